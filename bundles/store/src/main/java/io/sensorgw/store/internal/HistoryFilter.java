package io.sensorgw.store.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.Sensor;
import io.sensorgw.concurrent.ManagedExecutor;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/sensors/{id}/readings?from=&to=&limit=&after=&every=}: the store serves its own
 * route, as a filter in front of the sensor routes, so the HTTP bundle knows nothing of it. Queries
 * run on the store's own executor; the request holds no Jetty thread while the database works.
 * {@link HistoryRoute} decides every answer; this class only speaks HTTP.
 */
@Component(service = Filter.class)
@HttpWhiteboardFilterPattern("/api/sensors/*")
@HttpWhiteboardFilterAsyncSupported
public class HistoryFilter implements Filter {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryFilter.class);

  private final ReadingStore store;
  private final ManagedExecutor queries = new ManagedExecutor("store-queries", 2, 64);
  private final ObjectMapper mapper = new ObjectMapper();

  /** sensor.id -> how many Sensor services have it now; read from service properties only. */
  private final Map<String, Integer> registered = new ConcurrentHashMap<>();

  private final HistoryRoute route;

  @Activate
  public HistoryFilter(@Reference ReadingStore store) {
    this.store = store;
    this.route = new HistoryRoute(store, registered::containsKey, queries);
  }

  @Reference(
      service = Sensor.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addSensor(ServiceReference<Sensor> sensor) {
    Object id = sensor.getProperty(Sensor.SENSOR_ID);
    if (id != null) registered.merge(id.toString(), 1, Integer::sum);
  }

  void removeSensor(ServiceReference<Sensor> sensor) {
    Object id = sensor.getProperty(Sensor.SENSOR_ID);
    if (id != null)
      registered.computeIfPresent(id.toString(), (key, count) -> count <= 1 ? null : count - 1);
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
    String rawId = HistoryRoute.rawSensorId(path);
    if (rawId == null) {
      chain.doFilter(req, res);
      return;
    }
    if (!"GET".equals(request.getMethod())) {
      response.setHeader("Allow", "GET");
      write(
          response,
          HistoryRoute.Answer.error(405, request.getMethod() + " is not allowed on this route"));
      return;
    }
    AsyncContext async = request.startAsync();
    // Longer than any query may run (the database cancels it at query.timeout.s).
    async.setTimeout(Math.max(60, 2L * store.settings().queryTimeoutS() + 10) * 1000);
    CompletionStage<HistoryRoute.Answer> answered;
    try {
      answered = route.get(rawId, request::getParameter, Instant.now());
    } catch (
        RuntimeException e) { // answered below, so the request never waits for its async timeout
      answered = CompletableFuture.failedFuture(e);
    }
    answered.whenComplete(
        (answer, failure) -> {
          try {
            if (failure != null) { // HistoryRoute turns every failure into an answer; this is a bug
              LOG.error("Store: history route failed unexpectedly", failure);
              answer = HistoryRoute.Answer.error(500, "history route failed: " + failure);
            }
            write(response, answer);
          } catch (IOException | RuntimeException e) {
            // the client went away
          } finally {
            async.complete();
          }
        });
  }

  private void write(HttpServletResponse response, HistoryRoute.Answer answer) throws IOException {
    response.setStatus(answer.status());
    answer.headers().forEach(response::setHeader);
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    mapper.writeValue(response.getOutputStream(), answer.body());
  }
}
