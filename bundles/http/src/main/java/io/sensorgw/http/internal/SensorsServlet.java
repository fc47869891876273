package io.sensorgw.http.internal;

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

/** {@code /api/sensors}, {@code /api/sensors/{id}} and {@code /api/sensors/{id}/reading}. */
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
      json.write(response, 200, Map.of("sensors",
          sensors.all().stream().map(e -> Json.sensor(e.sensor())).toList()));
      return;
    }
    String[] parts = path.substring(1).split("/", -1);
    String id = parts[0];
    var entry = sensors.byId(id);
    if (entry.isEmpty()) {
      json.error(response, 404, "no sensor with id '" + id + "'");
    } else if (parts.length == 1 || (parts.length == 2 && parts[1].isEmpty())) {
      json.write(response, 200, Json.sensor(entry.get().sensor()));
    } else if (parts.length == 2 && parts[1].equals("reading")) {
      reads.respond(request, response, entry.get().sensor(), id);
    } else {
      json.error(response, 404, "no route " + request.getRequestURI());
    }
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException, jakarta.servlet.ServletException {
    if (!"GET".equals(request.getMethod()) && !"HEAD".equals(request.getMethod())) {
      response.setHeader("Allow", "GET, HEAD");
      json.error(response, 405, request.getMethod() + " is not allowed on " + request.getRequestURI());
      return;
    }
    super.service(request, response);
  }
}
