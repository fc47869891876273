package io.sensorgw.store.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.core.ManagedExecutor;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;

/**
 * {@code GET /api/sensors/{id}/readings?from=&to=&limit=&after=&every=}: the store serves its own
 * route, as a filter in front of the sensor routes, so the HTTP bundle knows nothing of it. Queries
 * run on the store's own executor; the request holds no Jetty thread while the database works.
 */
@Component(service = Filter.class)
@HttpWhiteboardFilterPattern("/api/sensors/*")
@HttpWhiteboardFilterAsyncSupported
public class HistoryFilter implements Filter {
  private static final Pattern ROUTE = Pattern.compile("^/api/sensors/([^/]+)/readings/?$");
  private static final Pattern EVERY = Pattern.compile("^(\\d+)(ms|s|m|h|d)$");
  static final int DEFAULT_LIMIT = 1000;
  static final int MAX_LIMIT = 10_000;

  private final ReadingStore store;
  private final ManagedExecutor queries = new ManagedExecutor("store-queries", 2, 64);
  private final ObjectMapper mapper = new ObjectMapper();

  @Activate
  public HistoryFilter(@Reference ReadingStore store) {
    this.store = store;
  }

  @Deactivate
  void deactivate() {
    queries.close(Duration.ofSeconds(5));
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    String path = request.getRequestURI().substring(request.getContextPath().length());
    Matcher route = ROUTE.matcher(path);
    if (!route.matches()) {
      chain.doFilter(req, res);
      return;
    }
    if (!"GET".equals(request.getMethod())) {
      response.setHeader("Allow", "GET");
      error(response, 405, request.getMethod() + " is not allowed on " + path);
      return;
    }
    String sensorId = route.group(1);
    Query query;
    try {
      query = Query.parse(request, Instant.now());
    } catch (IllegalArgumentException | DateTimeParseException e) {
      error(response, 400, e.getMessage());
      return;
    }
    AsyncContext async = request.startAsync();
    async.setTimeout(60_000);
    queries.submit(() -> query.every() > 0
            ? store.history().buckets(sensorId, query.from(), query.to(), query.every(), query.limit())
            : store.history().readings(sensorId, query.from(), query.to(), query.after(), query.limit()))
        .whenComplete((body, failure) -> {
          try {
            if (failure == null) {
              write(response, 200, body);
            } else {
              Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
              if (cause instanceof RejectedExecutionException) response.setHeader("Retry-After", "1");
              error(response, 503, "history query failed: " + cause.getMessage());
            }
          } catch (IOException | RuntimeException e) {
            // the client went away
          } finally {
            async.complete();
          }
        });
  }

  /** The parsed, checked query parameters. */
  record Query(long from, long to, History.Cursor after, int limit, long every) {
    static Query parse(HttpServletRequest request, Instant now) {
      long to = time(request.getParameter("to"), now.toEpochMilli(), "to");
      long from = time(request.getParameter("from"), to - Duration.ofHours(1).toMillis(), "from");
      if (from > to) throw new IllegalArgumentException("from must not be after to");
      int limit = DEFAULT_LIMIT;
      String limitText = request.getParameter("limit");
      if (limitText != null) {
        try {
          limit = Integer.parseInt(limitText);
        } catch (NumberFormatException e) {
          limit = -1;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
          throw new IllegalArgumentException("limit must be a whole number from 1 to " + MAX_LIMIT);
        }
      }
      String afterText = request.getParameter("after");
      History.Cursor after;
      try {
        after = afterText == null ? null : History.Cursor.parse(afterText);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("after must be <epoch ms>:<sequence>, as 'next' gives it");
      }
      String everyText = request.getParameter("every");
      long every = everyText == null ? 0 : every(everyText);
      return new Query(from, to, after, limit, every);
    }

    /** ISO-8601 instant (2026-11-27T10:00:00Z) or epoch milliseconds. */
    static long time(String text, long fallback, String name) {
      if (text == null || text.isBlank()) return fallback;
      if (text.chars().allMatch(Character::isDigit)) {
        try {
          return Long.parseLong(text);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(name + " is out of range: " + text);
        }
      }
      try {
        return Instant.parse(text).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            name + " must be an ISO-8601 instant (2026-11-27T10:00:00Z) or epoch milliseconds, was '" + text + "'");
      }
    }

    static long every(String text) {
      Matcher m = EVERY.matcher(text);
      if (!m.matches()) throw new IllegalArgumentException("every must be like 500ms, 10s, 1m, 1h or 1d, was '" + text + "'");
      long amount = Long.parseLong(m.group(1));
      long unitMs = switch (m.group(2)) {
        case "ms" -> 1;
        case "s" -> 1_000;
        case "m" -> 60_000;
        case "h" -> 3_600_000;
        default -> 86_400_000;
      };
      if (amount < 1 || amount > 366L * 86_400_000 / unitMs) throw new IllegalArgumentException("every is out of range");
      return amount * unitMs;
    }
  }

  private void write(HttpServletResponse response, int status, Object body) throws IOException {
    response.setStatus(status);
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    mapper.writeValue(response.getOutputStream(), body);
  }

  private void error(HttpServletResponse response, int status, String message) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.put("status", status);
    write(response, status, body);
  }
}
