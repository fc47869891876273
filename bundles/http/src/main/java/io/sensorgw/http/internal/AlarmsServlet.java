package io.sensorgw.http.internal;

import io.sensorgw.api.Alarms;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * {@code GET /api/alarms}: the active alarms and every rule with its state (ok, active, or error
 * with the reason its configuration is refused), from the alarms bundle's {@link Alarms} service;
 * 503 while that bundle is not running (the route stays, the alarms come and go with it).
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/api/alarms")
public class AlarmsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient Json json = new Json();

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Alarms alarms;

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Alarms current = alarms;
    if (current == null) {
      response.setHeader("Retry-After", "10");
      json.error(response, 503, "alarms are not running (bundle io.sensorgw.alarms)");
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("active", current.active().stream().map(Json::alarm).toList());
    body.put("rules", current.rules().stream().map(Json::rule).toList());
    json.write(response, 200, body);
  }
}
