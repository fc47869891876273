package io.sensorgw.http.internal;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * The default servlet ({@code /}): a path no route serves gets the JSON 404 every route answers
 * (the container's own would be an HTML page), after access control like any route. Ranked below
 * any servlet that takes {@code /} itself, such as a dashboard.
 */
@Component(service = Servlet.class, property = "service.ranking:Integer=-1000")
@HttpWhiteboardServletPattern("/")
public class NoRouteServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final transient Json json = new Json();

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String path = request.getRequestURI();
    if (path.length() > 100) path = path.substring(0, 100) + "...";
    json.error(response, 404, "no route " + path.replaceAll("[^\\x20-\\x7e]", "?"));
  }
}
