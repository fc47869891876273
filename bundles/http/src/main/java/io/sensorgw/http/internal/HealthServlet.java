package io.sensorgw.http.internal;

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
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * {@code /health}: liveness and each sensor's state. Reads only states the drivers keep, so it
 * answers at once whatever the devices are doing.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/health")
public class HealthServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final SensorDirectory sensors;
  private final Json json = new Json();

  @Activate
  public HealthServlet(@Reference SensorDirectory sensors) {
    this.sensors = sensors;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Map<String, String> states = new LinkedHashMap<>();
    boolean allOk = true;
    for (SensorDirectory.Entry entry : sensors.all()) {
      SensorState state = entry.sensor().state();
      // A sensor read only on request stays STARTING until its first read: that is not a fault.
      allOk &= state == SensorState.OK || state == SensorState.STARTING;
      states.put(entry.id(), state.name().toLowerCase(Locale.ROOT));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    // The gateway is alive when it answers; degraded tells that some sensor is not OK.
    body.put("status", allOk ? "up" : "degraded");
    body.put("uptimeMs", ManagementFactory.getRuntimeMXBean().getUptime());
    body.put("sensors", states);
    json.write(response, 200, body);
  }

}
