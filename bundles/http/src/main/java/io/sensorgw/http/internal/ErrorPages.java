package io.sensorgw.http.internal;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;

/**
 * The container's own errors (no route matched, a method a servlet does not take, a request Jetty
 * refused) as the JSON every route answers, {@code {"error": ..., "status": N}}, instead of Jetty's
 * HTML page. No stack trace or exception text goes to the client.
 */
@Component(
    service = Servlet.class,
    property = {
      HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_ERROR_PAGE + "=4xx",
      HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_ERROR_PAGE + "=5xx"
    })
public class ErrorPages extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final transient Json json = new Json();

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    int status = code instanceof Integer value ? value : response.getStatus();
    String allow = response.getHeader("Allow");
    response.resetBuffer();
    if (allow != null) response.setHeader("Allow", allow);
    json.error(response, status, describe(status, request));
  }

  /** A fixed sentence per status: the container's own message may carry an exception's text. */
  static String describe(int status, HttpServletRequest request) {
    Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
    String path = uri == null ? "" : String.valueOf(uri);
    if (path.length() > 100) path = path.substring(0, 100) + "...";
    return switch (status) {
      case 400 -> "bad request";
      case 404 -> "no route " + path.replaceAll("[^\\x20-\\x7e]", "?");
      case 405 -> "method not allowed on " + path.replaceAll("[^\\x20-\\x7e]", "?");
      case 413 -> "request too large";
      case 414 -> "URI too long";
      case 431 -> "request headers too large";
      case 500 -> "internal error (logged)";
      case 503 -> "unavailable";
      default -> "error " + status;
    };
  }
}
