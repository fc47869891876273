package io.sensorgw.console.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.ExecutorStats;
import io.sensorgw.api.HealthSource;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.Value;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.webconsole.servlet.AbstractServlet;
import org.apache.felix.webconsole.servlet.ServletConstants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The Web Console's "Sensors" page: every sensor with model, state, source, latest reading, cache
 * hit rate, executor metrics and errors, refreshed every second from {@code sensors/data.json};
 * then the state of each other part ({@link HealthSource}: the store, telemetry) with its reason,
 * and below it the metrics of each {@link MetricsSource} present. The latest readings come from the
 * reading whiteboard, so the page never reads a device itself.
 */
@Component(
    service = {Servlet.class, ReadingListener.class},
    property = {
      ServletConstants.PLUGIN_LABEL + "=" + SensorsPage.LABEL,
      ServletConstants.PLUGIN_TITLE + "=Sensors",
      ServletConstants.PLUGIN_CATEGORY + "=sensorgw",
      ReadingListener.QUEUE_CAPACITY + "=64"
    })
public class SensorsPage extends AbstractServlet implements ReadingListener {
  private static final long serialVersionUID = 1L;
  static final String LABEL = "sensors";

  private final transient Map<Sensor, Map<String, Object>> sensors = new ConcurrentHashMap<>();
  private final transient Map<String, Reading> latest = new ConcurrentHashMap<>();
  private final transient ObjectMapper mapper = new ObjectMapper();

  @Reference(
      service = Sensor.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addSensor(Sensor sensor, Map<String, Object> properties) {
    sensors.put(sensor, properties);
  }

  void removeSensor(Sensor sensor) {
    Map<String, Object> properties = sensors.remove(sensor);
    if (properties != null) latest.remove(String.valueOf(properties.get(Sensor.SENSOR_ID)));
  }

  private final transient Map<MetricsSource, String> sources = new ConcurrentHashMap<>();

  /** Telemetry, the store and other non-sensor bundles show their metrics here when present. */
  @Reference(
      service = MetricsSource.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addSource(MetricsSource source, Map<String, Object> properties) {
    sources.put(source, String.valueOf(properties.getOrDefault(MetricsSource.NAME, "unnamed")));
  }

  void removeSource(MetricsSource source) {
    sources.remove(source);
  }

  private final transient Map<HealthSource, String> parts = new ConcurrentHashMap<>();

  /** The store, telemetry and other parts that report a state of their own, as /health does. */
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

  @Override
  public void onReading(Reading reading) {
    latest.put(reading.sensorId(), reading);
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws jakarta.servlet.ServletException, IOException {
    String path = request.getPathInfo();
    if (path != null && path.endsWith("/data.json")) {
      setNoCache(response);
      response.setContentType("application/json");
      response.setCharacterEncoding("UTF-8");
      mapper.writeValue(
          response.getOutputStream(),
          Map.of("sensors", rows(), "parts", partRows(), "sources", sourceMetrics()));
      return;
    }
    super.doGet(request, response);
  }

  @Override
  public void renderContent(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String root = request.getAttribute(ServletConstants.ATTR_APP_ROOT) + "/" + LABEL;
    PrintWriter out = response.getWriter();
    out.println("<p class='statline' id='sensors-status'>" + rows().size() + " sensors</p>");
    out.println(
        "<table id='sensors' class='tablesorter nicetable'><thead><tr>"
            + "<th>Id</th><th>Model</th><th>State</th><th>Source</th><th>Latest reading</th>"
            + "<th>Cache hits</th><th>Executor</th><th>Errors</th><th>Configuration</th></tr></thead><tbody>");
    for (Map<String, Object> row : rows()) {
      out.println(
          "<tr data-sensor='" + escape(row.get("id")) + "'>" + cells(row, request) + "</tr>");
    }
    out.println("</tbody></table>");
    out.println("<p class='statline'>Parts</p>");
    out.println(
        "<table id='parts' class='nicetable'><thead><tr><th>Part</th><th>State</th><th>Reason</th></tr></thead><tbody>");
    for (Map<String, Object> part : partRows()) {
      out.println(
          "<tr data-part='"
              + escape(part.get("name"))
              + "'>"
              + td(part.get("name"))
              + td(part.get("state"))
              + td(part.get("reason"))
              + "</tr>");
    }
    out.println("</tbody></table>");
    for (Map.Entry<String, Map<String, Number>> source : sourceMetrics().entrySet()) {
      out.println("<p class='statline'>" + escape(source.getKey()) + "</p>");
      out.println("<table class='nicetable' data-source='" + escape(source.getKey()) + "'><tbody>");
      source
          .getValue()
          .forEach((name, value) -> out.println("<tr>" + td(name) + td(value) + "</tr>"));
      out.println("</tbody></table>");
    }
    // Live: the same cells, refreshed from data.json every second.
    out.println(
        "<script>(function(){var url='"
            + root
            + "/data.json';"
            + "function esc(v){return String(v==null?'':v).replace(/[&<>'\"]/g,function(c){return '&#'+c.charCodeAt(0)+';';});}"
            + "function tick(){fetch(url,{credentials:'same-origin'}).then(function(r){return r.json();}).then(function(d){"
            + "var body=document.querySelector('#sensors tbody');var html='';"
            + "d.sensors.forEach(function(s){html+='<tr data-sensor=\"'+esc(s.id)+'\"><td>'+esc(s.id)+'</td><td>'+esc(s.model)"
            + "+'</td><td>'+esc(s.state)+(s.stateReason?': '+esc(s.stateReason):'')+'</td><td>'+esc(s.source)+'</td><td>'+esc(s.latest)+'</td><td>'+esc(s.cacheHitRate)"
            + "+'</td><td>'+esc(s.executor)+'</td><td>'+esc(s.errors)+'</td><td>'+(s.configPid?'<a href=\"'+esc(s.configHref)+'\">'+esc(s.configPid)+'</a>':'')+'</td></tr>';});"
            + "body.innerHTML=html;html='';d.parts.forEach(function(p){html+='<tr data-part=\"'+esc(p.name)+'\"><td>'+esc(p.name)"
            + "+'</td><td>'+esc(p.state)+'</td><td>'+esc(p.reason)+'</td></tr>';});document.querySelector('#parts tbody').innerHTML=html;"
            + "document.getElementById('sensors-status').textContent=d.sensors.length+' sensors, updated '+new Date().toLocaleTimeString();"
            + "}).catch(function(){});}setInterval(tick,1000);})();</script>");
  }

  private static String cells(Map<String, Object> row, HttpServletRequest request) {
    String config =
        row.get("configPid") == null
            ? ""
            : "<a href='"
                + escape(row.get("configHref"))
                + "'>"
                + escape(row.get("configPid"))
                + "</a>";
    Object reason = row.get("stateReason");
    String state = row.get("state") + (reason == null ? "" : ": " + reason);
    return td(row.get("id"))
        + td(row.get("model"))
        + td(state)
        + td(row.get("source"))
        + td(row.get("latest"))
        + td(row.get("cacheHitRate"))
        + td(row.get("executor"))
        + td(row.get("errors"))
        + "<td>"
        + config
        + "</td>";
  }

  private List<Map<String, Object>> rows() {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Map.Entry<Sensor, Map<String, Object>> entry : sensors.entrySet()) {
      Sensor sensor = entry.getKey();
      SensorInfo info = sensor.info();
      Map<String, Number> metrics = sensor.metrics();
      ExecutorStats executor = sensor.executorStats();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", info.id());
      row.put("model", info.model());
      row.put("state", sensor.state().name().toLowerCase(Locale.ROOT));
      String reason = sensor.stateReason();
      if (reason != null && !reason.isEmpty()) row.put("stateReason", reason);
      row.put("source", info.simulated() ? "simulated" : "hardware");
      row.put("latest", describe(latest.get(info.id())));
      long reads = number(metrics.get("reads"));
      row.put(
          "cacheHitRate",
          reads == 0
              ? "-"
              : String.format("%.0f %%", 100.0 * number(metrics.get("cacheHits")) / reads));
      row.put(
          "executor",
          String.format(
              "active %d, queued %d/%d, done %d, rejected %d, mean %.1f ms",
              executor.active(),
              executor.queued(),
              executor.queueCapacity(),
              executor.completed(),
              executor.rejected(),
              executor.meanLatencyMillis()));
      row.put("errors", number(metrics.get("errors")));
      Object pid = entry.getValue().get("service.pid");
      if (pid != null) {
        row.put("configPid", pid.toString());
        row.put("configHref", "configMgr/" + pid);
      }
      rows.add(row);
    }
    rows.sort(Comparator.comparing(r -> r.get("id").toString()));
    return rows;
  }

  private List<Map<String, Object>> partRows() {
    List<Map<String, Object>> rows = new ArrayList<>();
    parts.forEach(
        (part, name) -> {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("name", name);
          try {
            HealthSource.Health health = part.health();
            row.put("state", health.state().name().toLowerCase(Locale.ROOT));
            row.put("reason", health.reason());
          } catch (RuntimeException e) { // a part going away while asked
            row.put("state", "unknown");
            row.put("reason", e.getClass().getSimpleName());
          }
          rows.add(row);
        });
    rows.sort(Comparator.comparing(r -> r.get("name").toString()));
    return rows;
  }

  private Map<String, Map<String, Number>> sourceMetrics() {
    Map<String, Map<String, Number>> metrics = new java.util.TreeMap<>();
    sources.forEach((source, name) -> metrics.put(name, source.metrics()));
    return metrics;
  }

  private static String describe(Reading reading) {
    if (reading == null) return "-";
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, Value> value : reading.values().entrySet()) {
      if (text.length() > 0) text.append(", ");
      text.append(value.getKey())
          .append(' ')
          .append(String.format(Locale.ROOT, "%.3f", value.getValue().value()))
          .append(value.getValue().unit().isEmpty() ? "" : " " + value.getValue().unit());
      if (text.length() > 160) break;
    }
    return "#"
        + reading.sequence()
        + " "
        + reading.quality().name().toLowerCase(Locale.ROOT)
        + ": "
        + text;
  }

  private static long number(Number value) {
    return value == null ? 0 : value.longValue();
  }

  private static String td(Object value) {
    return "<td>" + escape(value) + "</td>";
  }

  private static String escape(Object value) {
    String text = String.valueOf(value == null ? "" : value);
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '\'' -> out.append("&#39;");
        case '"' -> out.append("&quot;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
