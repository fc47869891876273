package io.sensorgw.http.internal;

import io.sensorgw.api.Calibratable;
import io.sensorgw.api.FrameSource;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * {@code /api/sensors}, {@code /api/sensors/{id}}, {@code /api/sensors/{id}/reading}, and {@code
 * GET /api/sensors/{id}/frame.jpg[?overlay=true]} for cameras, and {@code POST
 * /api/sensors/{id}/calibrate?samples=N} for sensors that can be calibrated.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/sensors/*")
@HttpWhiteboardServletAsyncSupported
public class SensorsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final SensorDirectory sensors;
  private final Json json = new Json();
  private final ReadResponder reads = new ReadResponder(json);

  @Activate
  public SensorsServlet(@Reference SensorDirectory sensors) {
    this.sensors = sensors;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String path = request.getPathInfo();
    if (path == null || path.equals("/")) {
      json.write(
          response, 200, Map.of("sensors", sensors.all().stream().map(Json::sensor).toList()));
      return;
    }
    String[] parts = path.substring(1).split("/", -1);
    String id = parts[0];
    var entry = sensors.byId(id);
    if (entry.isEmpty()) {
      json.unknownSensor(response, sensors, id);
    } else if (parts.length == 1 || (parts.length == 2 && parts[1].isEmpty())) {
      json.write(response, 200, Json.sensor(entry.get()));
    } else if (parts.length == 2 && parts[1].equals("reading")) {
      reads.respond(request, response, entry.get());
    } else if (parts.length == 2 && parts[1].equals("frame.jpg")) {
      if (!(entry.get().sensor() instanceof FrameSource camera)) {
        json.error(response, 404, "sensor '" + id + "' has no frames");
        return;
      }
      boolean overlay = "true".equalsIgnoreCase(request.getParameter("overlay"));
      reads.respondBytes(request, response, () -> camera.frameJpeg(overlay), "image/jpeg", id);
    } else {
      json.error(response, 404, "no route " + request.getRequestURI());
    }
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String path = request.getPathInfo();
    String[] parts = path == null ? new String[0] : path.substring(1).split("/", -1);
    if (parts.length != 2 || !parts[1].equals("calibrate")) {
      notAllowed(request, response);
      return;
    }
    var entry = sensors.byId(parts[0]);
    if (entry.isEmpty()) {
      json.unknownSensor(response, sensors, parts[0]);
      return;
    }
    if (!(entry.get().sensor() instanceof Calibratable calibratable)) {
      json.error(response, 404, "sensor '" + parts[0] + "' cannot be calibrated");
      return;
    }
    int samples;
    try {
      String value = request.getParameter("samples");
      samples = value == null ? 1000 : Integer.parseInt(value);
      if (samples < 1 || samples > 100_000) throw new NumberFormatException();
    } catch (NumberFormatException e) {
      json.error(response, 400, "samples must be a whole number from 1 to 100000");
      return;
    }
    reads.respond(
        request,
        response,
        () -> calibratable.calibrate(samples),
        offsets -> Map.of("sensor", parts[0], "samples", samples, "offsets", Json.values(offsets)),
        parts[0]);
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException, jakarta.servlet.ServletException {
    String method = request.getMethod();
    if (!method.equals("GET") && !method.equals("HEAD") && !method.equals("POST")) {
      notAllowed(request, response);
      return;
    }
    super.service(request, response);
  }

  private void notAllowed(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    response.setHeader("Allow", "GET, HEAD");
    json.error(
        response, 405, request.getMethod() + " is not allowed on " + request.getRequestURI());
  }
}
