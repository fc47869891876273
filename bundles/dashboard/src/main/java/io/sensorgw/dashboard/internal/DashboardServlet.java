package io.sensorgw.dashboard.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.HealthSource;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.format.ReadingFormat;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The dashboard: the page at {@code /}, its script, style and uPlot under {@code /dashboard/}, and,
 * as the default servlet while this bundle runs (above the http bundle's), the JSON 404 for any
 * path no route takes; and two JSON routes of its own. {@code /dashboard/sensors?since=N} answers
 * when the set of sensors changed after generation N (at once if it has, else when it does, at the
 * latest after {@value #WAIT_MS} ms), holding no thread while it waits; {@code
 * /dashboard/reading/{id}} reads a sensor that publishes nothing, once per interval for all pages
 * ({@link SharedReads}); {@code /dashboard/gateway} gives the gateway's figures (version, bundles,
 * every metrics and health source). Reading needs the {@code read} scope like every route (the
 * access filter; a browser logs in at /login).
 */
@Component(service = Servlet.class, property = "service.ranking:Integer=0")
@HttpWhiteboardServletPattern({"/", "/dashboard/*"})
@HttpWhiteboardServletAsyncSupported
public class DashboardServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  static final long WAIT_MS = 20_000;

  /** Pages waiting for a change at once; more are answered at once (and ask again later). */
  static final int MAX_WAITING = 256;

  /** The files served, by name under /dashboard/, with their types; nothing else is. */
  static final Map<String, String> FILES =
      Map.of(
          "dashboard.js", "text/javascript",
          "dashboard.css", "text/css",
          "uplot/uPlot.iife.min.js", "text/javascript",
          "uplot/uPlot.min.css", "text/css");

  /** Everything from this gateway only; frames come as blobs; never framed. */
  static final String PAGE_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
          + "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

  private final transient ObjectMapper mapper = new ObjectMapper();
  private final transient BundleContext context;
  private final transient SensorRoster<Sensor> roster =
      new SensorRoster<>(System::currentTimeMillis);
  private final transient Map<String, MetricsSource> metrics = new ConcurrentHashMap<>();
  private final transient Map<String, HealthSource> health = new ConcurrentHashMap<>();
  private final transient SharedReads sharedReads = new SharedReads(System::nanoTime);

  /** How often a page's quiet sensor is read for all pages: a camera's read costs a capture. */
  static final long CAMERA_READ_INTERVAL_NANOS = 5_000_000_000L;

  static final long READ_INTERVAL_NANOS = 1_000_000_000L;

  @Activate
  public DashboardServlet(BundleContext context) {
    this.context = context;
  }

  @Reference(
      service = Sensor.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addSensor(Sensor sensor) {
    roster.added(sensor.info().id(), sensor);
  }

  void removeSensor(Sensor sensor) {
    roster.removed(sensor.info().id(), sensor);
    sharedReads.forget(sensor.info().id());
  }

  @Reference(
      service = MetricsSource.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addMetrics(MetricsSource source, Map<String, Object> properties) {
    metrics.put(String.valueOf(properties.get(MetricsSource.NAME)), source);
  }

  void removeMetrics(MetricsSource source, Map<String, Object> properties) {
    metrics.remove(String.valueOf(properties.get(MetricsSource.NAME)), source);
  }

  @Reference(
      service = HealthSource.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addHealth(HealthSource source, Map<String, Object> properties) {
    health.put(String.valueOf(properties.get(HealthSource.NAME)), source);
  }

  void removeHealth(HealthSource source, Map<String, Object> properties) {
    health.remove(String.valueOf(properties.get(HealthSource.NAME)), source);
  }

  /** Pages waiting get their answer now rather than from a servlet that is gone. */
  @Deactivate
  void deactivate() {
    roster.releaseAll();
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    if (!request.getServletPath().equals("/dashboard")) { // the default servlet: "/" or no route
      String path =
          request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
      if (path.isEmpty() || path.equals("/")) {
        file(response, "index.html", "text/html");
      } else {
        error(response, 404, "no route " + path);
      }
      return;
    }
    String path = request.getPathInfo() == null ? "" : request.getPathInfo();
    switch (path) {
      case "", "/" -> file(response, "index.html", "text/html");
      case "/sensors" -> sensors(request, response);
      case "/gateway" -> json(response, 200, gateway());
      default -> {
        if (path.startsWith("/reading/")) {
          reading(request, response, path.substring("/reading/".length()));
          return;
        }
        String name = path.substring(1);
        String type = FILES.get(name);
        if (type == null) {
          error(response, 404, "no such file: /dashboard" + path);
        } else {
          file(response, name, type);
        }
      }
    }
  }

  private void sensors(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    long since;
    try {
      String text = request.getParameter("since");
      since = text == null || text.isEmpty() ? -1 : Long.parseLong(text);
    } catch (NumberFormatException e) {
      error(response, 400, "since must be a generation number");
      return;
    }
    AsyncContext async = request.startAsync();
    async.setTimeout(WAIT_MS);
    AtomicBoolean answered = new AtomicBoolean();
    SensorRoster.Waiter waiter =
        () -> {
          if (!answered.compareAndSet(false, true)) return;
          try {
            json((HttpServletResponse) async.getResponse(), 200, roster(roster.since(since)));
          } catch (IOException | IllegalStateException gone) {
            // the page went away meanwhile
          } finally {
            async.complete();
          }
        };
    async.addListener(
        new AsyncListener() {
          @Override
          public void onTimeout(AsyncEvent event) {
            roster.forget(waiter);
            waiter.changed(); // nothing changed: the same list, and the page asks again
          }

          @Override
          public void onError(AsyncEvent event) {
            roster.forget(waiter);
            answered.set(true);
          }

          @Override
          public void onComplete(AsyncEvent event) {
            roster.forget(waiter);
          }

          @Override
          public void onStartAsync(AsyncEvent event) {
            // not restarted
          }
        });
    if (!roster.await(since, waiter, MAX_WAITING)) waiter.changed();
  }

  /** The reading of a sensor that publishes nothing, read once per interval for every page. */
  private void reading(HttpServletRequest request, HttpServletResponse response, String id)
      throws IOException {
    Sensor sensor = roster.get(id);
    if (sensor == null) {
      error(response, 404, "no sensor " + (id.length() > 80 ? id.substring(0, 80) + "..." : id));
      return;
    }
    long interval =
        sensor.info().kind().equals("camera") ? CAMERA_READ_INTERVAL_NANOS : READ_INTERVAL_NANOS;
    AsyncContext async = request.startAsync();
    async.setTimeout(WAIT_MS);
    AtomicBoolean answered = new AtomicBoolean();
    async.addListener(
        new AsyncListener() {
          @Override
          public void onTimeout(AsyncEvent event) throws IOException {
            if (answered.compareAndSet(false, true)) {
              error(
                  (HttpServletResponse) event.getAsyncContext().getResponse(),
                  504,
                  "the sensor did not answer in time");
              event.getAsyncContext().complete();
            }
          }

          @Override
          public void onError(AsyncEvent event) {
            answered.set(true);
          }

          @Override
          public void onComplete(AsyncEvent event) {
            // answered
          }

          @Override
          public void onStartAsync(AsyncEvent event) {
            // not restarted
          }
        });
    sharedReads
        .read(id, interval, sensor::read)
        .whenComplete(
            (reading, failure) -> {
              if (!answered.compareAndSet(false, true)) return;
              try {
                HttpServletResponse out = (HttpServletResponse) async.getResponse();
                if (failure != null) {
                  error(
                      out,
                      503,
                      "the sensor could not be read: "
                          + (failure.getCause() != null ? failure.getCause() : failure));
                } else {
                  json(out, 200, ReadingFormat.reading(reading)); // the one shape of a reading
                }
              } catch (IOException | IllegalStateException gone) {
                // the page went away meanwhile
              } finally {
                async.complete();
              }
            });
  }

  private static Map<String, Object> roster(SensorRoster.Snapshot<Sensor> snapshot) {
    List<Map<String, Object>> sensors = new ArrayList<>();
    for (Sensor sensor : snapshot.sensors()) {
      SensorInfo info = sensor.info();
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("id", info.id());
      one.put("model", info.model());
      one.put("kind", info.kind());
      one.put("simulated", info.simulated());
      one.put("state", sensor.state().name().toLowerCase(Locale.ROOT));
      one.put("maxAgeMs", info.maxAge().toMillis());
      one.put("description", info.description());
      sensors.add(one);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("generation", snapshot.generation());
    body.put("sensors", sensors);
    body.put("changes", snapshot.changes());
    return body;
  }

  private Map<String, Object> gateway() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("version", context.getBundle().getVersion().toString());
    body.put("uptimeMs", ManagementFactory.getRuntimeMXBean().getUptime());
    int active = 0;
    int resolved = 0; // libraries and fragments that nothing started: normal
    List<String> notResolved = new ArrayList<>(); // missing what they need: a problem
    Bundle[] bundles = context.getBundles();
    for (Bundle bundle : bundles) {
      switch (bundle.getState()) {
        case Bundle.ACTIVE, Bundle.STARTING, Bundle.STOPPING -> active++;
        case Bundle.RESOLVED -> resolved++;
        default -> notResolved.add(bundle.getSymbolicName());
      }
    }
    Map<String, Object> bundleFigures = new LinkedHashMap<>();
    bundleFigures.put("total", bundles.length);
    bundleFigures.put("active", active);
    bundleFigures.put("resolved", resolved);
    bundleFigures.put("notResolved", notResolved);
    body.put("bundles", bundleFigures);
    Map<String, Object> sources = new TreeMap<>();
    metrics.forEach(
        (name, source) -> {
          try {
            sources.put(name, source.metrics());
          } catch (RuntimeException e) { // one broken source does not take the card down
            sources.put(name, Map.of());
          }
        });
    body.put("metrics", sources);
    Map<String, Object> parts = new TreeMap<>();
    health.forEach(
        (name, source) -> {
          HealthSource.Health state = source.health();
          parts.put(
              name,
              Map.of(
                  "state",
                  state.state().name().toLowerCase(Locale.ROOT),
                  "reason",
                  state.reason()));
        });
    body.put("parts", parts);
    return body;
  }

  private void file(HttpServletResponse response, String name, String type) throws IOException {
    try (InputStream in =
        DashboardServlet.class.getClassLoader().getResourceAsStream("dashboard/" + name)) {
      if (in == null) {
        error(response, 500, "the bundle lacks " + name);
        return;
      }
      response.setContentType(type);
      response.setCharacterEncoding("UTF-8");
      response.setHeader("Content-Security-Policy", PAGE_POLICY);
      response.setHeader("X-Frame-Options", "DENY");
      response.setHeader("X-Content-Type-Options", "nosniff");
      response.setHeader("Referrer-Policy", "no-referrer");
      // The page is checked each time (a new bundle is seen at once); uPlot's files never change.
      response.setHeader(
          "Cache-Control", name.startsWith("uplot/") ? "max-age=604800" : "no-cache");
      in.transferTo(response.getOutputStream());
    }
  }

  private void json(HttpServletResponse response, int status, Object body) throws IOException {
    response.setStatus(status);
    response.setHeader("Cache-Control", "no-store");
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    response.getOutputStream().write(mapper.writeValueAsBytes(body));
  }

  private void error(HttpServletResponse response, int status, String message) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.put("status", status);
    json(response, status, body);
  }
}
