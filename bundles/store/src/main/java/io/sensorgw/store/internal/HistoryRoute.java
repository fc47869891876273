package io.sensorgw.store.internal;

import io.sensorgw.concurrent.ManagedExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/sensors/{id}/readings}, without the servlet API: decode the id, check every
 * parameter against its bound, refuse at once what the database cannot answer now, run the query on
 * the store's query executor, and turn every outcome into a status and a JSON body.
 *
 * <p>A sensor is known when a Sensor service with that id is registered now (its history may still
 * be empty) or when the store holds readings of it (a sensor removed keeps its history until
 * retention deletes it); any other id is 404.
 */
final class HistoryRoute {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryRoute.class);
  private static final Pattern ROUTE = Pattern.compile("^/api/sensors/([^/]+)/readings/?$");
  private static final Pattern EVERY = Pattern.compile("^(\\d{1,12})(ms|s|m|h|d)$");
  private static final String TIME_RANGE = "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z";

  /** A status, a JSON body and headers. */
  record Answer(int status, Object body, Map<String, String> headers) {
    static Answer ok(Object body) {
      return new Answer(200, body, Map.of());
    }

    static Answer error(int status, String message) {
      return error(status, message, Map.of());
    }

    static Answer error(int status, String message, Map<String, String> headers) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("error", message);
      body.put("status", status);
      return new Answer(status, body, headers);
    }
  }

  private final ReadingStore store;
  private final Predicate<String> registered;
  private final ManagedExecutor queries;

  HistoryRoute(ReadingStore store, Predicate<String> registered, ManagedExecutor queries) {
    this.store = store;
    this.registered = registered;
    this.queries = queries;
  }

  /** The still percent-encoded id when {@code rawPath} is this route, else null. */
  static String rawSensorId(String rawPath) {
    Matcher route = ROUTE.matcher(rawPath);
    return route.matches() ? route.group(1) : null;
  }

  /**
   * Answers a GET of the route for the raw (percent-encoded) id, reading parameters from {@code
   * parameter}.
   */
  CompletionStage<Answer> get(String rawId, Function<String, String> parameter, Instant now) {
    ReadingStore.QueryCounters counters = store.queries();
    String sensorId;
    Query query;
    try {
      sensorId = decode(rawId);
      query = Query.parse(parameter, now, store.settings());
    } catch (IllegalArgumentException e) {
      counters.refused.incrementAndGet();
      return done(Answer.error(400, e.getMessage()));
    }
    String idProblem = ReadingCheck.sensorIdProblem(sensorId);
    if (idProblem != null) {
      counters.unknownSensor.incrementAndGet();
      return done(
          Answer.error(
              404,
              "no history of sensor '"
                  + ReadingCheck.printable(sensorId)
                  + "': "
                  + idProblem
                  + ", so its readings are never stored"));
    }
    String unavailable = store.database().unavailableReason();
    if (unavailable != null) {
      counters.unavailable.incrementAndGet();
      return done(
          Answer.error(503, "history unavailable: " + unavailable, Map.of("Retry-After", "5")));
    }
    History history = store.history();
    return queries
        .submit(
            () -> {
              Map<String, Object> body =
                  query.every() > 0
                      ? history.buckets(
                          sensorId, query.from(), query.to(), query.every(), query.limit())
                      : history.readings(
                          sensorId, query.from(), query.to(), query.after(), query.limit());
              boolean empty =
                  ((List<?>) body.get(query.every() > 0 ? "buckets" : "readings")).isEmpty();
              if (empty && !registered.test(sensorId) && !history.hasRows(sensorId)) {
                counters.unknownSensor.incrementAndGet();
                return Answer.error(
                    404,
                    "no sensor '"
                        + ReadingCheck.printable(sensorId)
                        + "' is registered and no readings of it are stored");
              }
              counters.answered.incrementAndGet();
              return Answer.ok(body);
            })
        .exceptionally(
            failure ->
                failed(failure instanceof CompletionException ? failure.getCause() : failure));
  }

  private Answer failed(Throwable cause) {
    ReadingStore.QueryCounters counters = store.queries();
    if (cause instanceof RejectedExecutionException) {
      counters.unavailable.incrementAndGet();
      return Answer.error(
          503, "history queries are busy: " + cause.getMessage(), Map.of("Retry-After", "1"));
    }
    Failures.Kind kind = Failures.classify(cause);
    if (kind == Failures.Kind.TIMEOUT) {
      counters.timedOut.incrementAndGet();
      return Answer.error(
          503,
          "history query took longer than "
              + store.settings().queryTimeoutS()
              + " s (query.timeout.s) and was cancelled: ask for a shorter window or a larger every");
    }
    counters.failed.incrementAndGet();
    if (kind.meansDatabaseLost()) store.database().lost(kind, cause);
    String why = Failures.describe(cause, 300);
    if (cause instanceof SQLException) {
      LOG.warn("Store: history query failed: {}", why);
    } else { // not the database: a bug, which deserves its stack trace
      LOG.error("Store: history query failed unexpectedly", cause);
    }
    return Answer.error(503, "history query failed: " + why, Map.of("Retry-After", "5"));
  }

  private static CompletionStage<Answer> done(Answer answer) {
    return CompletableFuture.completedFuture(answer);
  }

  /** Percent-decoding of one path segment as UTF-8 ('+' is a plus in a path, not a space). */
  static String decode(String raw) {
    if (raw.indexOf('%') < 0) return raw;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int high = i + 1 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int low = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
        if (high < 0 || low < 0)
          throw new IllegalArgumentException("the sensor id in the path has a bad %-escape");
        bytes.write(high * 16 + low);
        i += 2;
      } else {
        byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(encoded, 0, encoded.length);
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("the sensor id in the path is not UTF-8 once %-decoded");
    }
  }

  /** The parsed, checked query parameters. */
  record Query(long from, long to, History.Cursor after, int limit, long every) {
    static Query parse(Function<String, String> parameter, Instant now, StoreSettings settings) {
      long to = time(parameter.apply("to"), now.toEpochMilli(), "to");
      long from =
          time(
              parameter.apply("from"),
              Math.max(ReadingCheck.MIN_EPOCH_MS, to - Duration.ofHours(1).toMillis()),
              "from");
      if (from > to) throw new IllegalArgumentException("from must not be after to");
      int limit = settings.defaultLimit();
      String limitText = parameter.apply("limit");
      if (limitText != null) {
        try {
          limit = Integer.parseInt(limitText);
        } catch (NumberFormatException e) {
          limit = -1;
        }
        if (limit < 1 || limit > settings.maxLimit()) {
          throw new IllegalArgumentException(
              "limit must be a whole number from 1 to "
                  + settings.maxLimit()
                  + " (max.limit), was '"
                  + shown(limitText)
                  + "'");
        }
      }
      String afterText = parameter.apply("after");
      History.Cursor after;
      try {
        after = afterText == null ? null : History.Cursor.parse(afterText);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "after must be <epoch ms>:<sequence>, as 'next' gives it");
      }
      String everyText = parameter.apply("every");
      long every = everyText == null ? 0 : every(everyText);
      if (every > 0) {
        long buckets = bucketCount(from, to, every);
        if (buckets > settings.maxBuckets()) {
          throw new IllegalArgumentException(
              "every="
                  + shown(everyText)
                  + " from "
                  + Instant.ofEpochMilli(from)
                  + " to "
                  + Instant.ofEpochMilli(to)
                  + " makes "
                  + buckets
                  + " buckets, more than "
                  + settings.maxBuckets()
                  + " (max.buckets): ask for a larger every or a shorter window");
        }
      }
      return new Query(from, to, after, limit, every);
    }

    /** Buckets start at multiples of {@code every}; how many of them [from, to) touches. */
    static long bucketCount(long from, long to, long every) {
      if (to <= from) return 0;
      return Math.floorDiv(to - 1, every) - Math.floorDiv(from, every) + 1;
    }

    /** ISO-8601 instant (2026-11-27T10:00:00Z) or epoch milliseconds, within years 1 to 9999. */
    static long time(String text, long fallback, String name) {
      if (text == null || text.isBlank()) return fallback;
      long epochMs;
      try {
        if (text.chars().allMatch(c -> c >= '0' && c <= '9')) {
          epochMs = Long.parseLong(text);
        } else {
          epochMs = Instant.parse(text).toEpochMilli();
        }
      } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
        throw new IllegalArgumentException(
            name
                + " must be an ISO-8601 instant (2026-11-27T10:00:00Z) or epoch "
                + "milliseconds, from "
                + TIME_RANGE
                + ", was '"
                + shown(text)
                + "'");
      }
      if (epochMs < ReadingCheck.MIN_EPOCH_MS || epochMs > ReadingCheck.MAX_EPOCH_MS) {
        throw new IllegalArgumentException(
            name + " must be from " + TIME_RANGE + ", was '" + shown(text) + "'");
      }
      return epochMs;
    }

    static long every(String text) {
      Matcher m = EVERY.matcher(text);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "every must be like 500ms, 10s, 1m, 1h or 1d, was '" + shown(text) + "'");
      }
      long amount = Long.parseLong(m.group(1));
      long unitMs =
          switch (m.group(2)) {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            case "h" -> 3_600_000;
            default -> 86_400_000;
          };
      if (amount < 1 || amount > 366L * 86_400_000 / unitMs) {
        throw new IllegalArgumentException(
            "every must be from 1ms to 366d, was '" + shown(text) + "'");
      }
      return amount * unitMs;
    }

    /** A client's text as an error message may quote it: bounded. */
    private static String shown(String text) {
      return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
  }
}
