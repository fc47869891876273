package io.sensorgw.http.internal;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The routes of the system sensorgw replaces, {@code /{model}/sensor}: a reading of the first
 * registered sensor of that model, so existing clients keep working.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({
  "/imx477/sensor",
  "/mpu6050/sensor",
  "/tfluna/sensor",
  "/hcsr04/sensor"
})
@HttpWhiteboardServletAsyncSupported
public class LegacyRoutesServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final SensorDirectory sensors;
  private final Json json = new Json();
  private final ReadResponder reads = new ReadResponder(json);

  @Activate
  public LegacyRoutesServlet(@Reference SensorDirectory sensors) {
    this.sensors = sensors;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String model = modelOf(request.getServletPath());
    var entry = sensors.firstOfModel(model);
    if (entry.isEmpty()) {
      json.error(response, 404, "no " + model + " sensor is registered");
      return;
    }
    reads.respond(request, response, entry.get());
  }

  /** {@code /tfluna/sensor} → {@code tfluna}. */
  static String modelOf(String servletPath) {
    String trimmed = servletPath.startsWith("/") ? servletPath.substring(1) : servletPath;
    int slash = trimmed.indexOf('/');
    return slash < 0 ? trimmed : trimmed.substring(0, slash);
  }
}
