package io.sensorgw.http.internal;

import io.sensorgw.api.HealthSource;
import io.sensorgw.api.SensorState;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * {@code /health}: liveness, each sensor's state and each other part's ({@link HealthSource}:
 * store, telemetry). Reads only states the parts keep, so it answers at once whatever the devices,
 * the database or the broker are doing. {@code up} only when every part is up; otherwise {@code
 * degraded}, with the parts that are not and why.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/health")
public class HealthServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient SensorDirectory sensors;
  private final transient Map<HealthSource, String> parts = new ConcurrentHashMap<>();
  private final transient Json json = new Json();

  @Activate
  public HealthServlet(@Reference SensorDirectory sensors) {
    this.sensors = sensors;
  }

  @Reference(
      service = HealthSource.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addPart(HealthSource part, Map<String, Object> properties) {
    parts.put(part, String.valueOf(properties.getOrDefault(HealthSource.NAME, "unnamed")));
  }

  void removePart(HealthSource part) {
    parts.remove(part);
  }

  /** A sensor read only on request stays STARTING until its first read: that is not a fault. */
  static boolean isUp(SensorState state) {
    return state == SensorState.OK || state == SensorState.STARTING;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Map<String, String> states = new LinkedHashMap<>();
    Map<String, String> down = new TreeMap<>(); // part -> reason, for every part not up
    for (SensorDirectory.Entry entry : sensors.all()) {
      SensorState state = entry.sensor().state();
      states.put(entry.id(), name(state));
      if (!isUp(state))
        down.put("sensor " + entry.id(), reason(state, entry.sensor().stateReason()));
    }
    Map<String, Object> partStates = new TreeMap<>();
    parts.forEach(
        (part, name) -> {
          HealthSource.Health health;
          try {
            health = part.health();
          } catch (RuntimeException e) { // a part that cannot say is not up
            health = new HealthSource.Health(SensorState.ERROR, "health check failed: " + e);
          }
          Map<String, String> one = new LinkedHashMap<>();
          one.put("state", name(health.state()));
          if (!health.reason().isEmpty()) one.put("reason", health.reason());
          partStates.put(name, one);
          if (!isUp(health.state())) down.put(name, reason(health.state(), health.reason()));
        });
    Map<String, Object> body = new LinkedHashMap<>();
    // The gateway is alive when it answers; degraded says which parts are not up, and why.
    body.put("status", down.isEmpty() ? "up" : "degraded");
    body.put("uptimeMs", ManagementFactory.getRuntimeMXBean().getUptime());
    body.put("sensors", states);
    body.put("parts", partStates);
    if (!down.isEmpty()) body.put("degraded", down);
    json.write(response, 200, body);
  }

  private static String name(SensorState state) {
    return state.name().toLowerCase(Locale.ROOT);
  }

  private static String reason(SensorState state, String reason) {
    return reason == null || reason.isEmpty() ? name(state) : name(state) + ": " + reason;
  }
}
