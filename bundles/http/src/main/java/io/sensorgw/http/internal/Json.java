package io.sensorgw.http.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sensorgw.api.Alarm;
import io.sensorgw.api.Alarms;
import io.sensorgw.api.ExecutorStats;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.Value;
import io.sensorgw.format.ReadingFormat;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The JSON shapes of the HTTP API, written with Jackson. */
final class Json {
  private final ObjectMapper mapper =
      new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  void write(HttpServletResponse response, int status, Object body) throws IOException {
    response.setStatus(status);
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    response.setHeader("Cache-Control", "no-store");
    mapper.writeValue(response.getOutputStream(), body);
  }

  /** A body encoded beforehand, with the headers {@link #write} sets. */
  void write(HttpServletResponse response, int status, byte[] body) throws IOException {
    response.setStatus(status);
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  byte[] bytes(Object body) throws IOException {
    return mapper.writeValueAsBytes(body);
  }

  /**
   * 404 for an unknown sensor, or 503 with Retry-After while its driver bundle is being swapped.
   */
  void unknownSensor(HttpServletResponse response, SensorDirectory sensors, String id)
      throws IOException {
    if (sensors.isBeingSwapped(id)) {
      response.setHeader("Retry-After", "1");
      error(response, 503, "sensor '" + id + "' is being updated; retry shortly");
    } else {
      error(response, 404, "no sensor with id '" + id + "'");
    }
  }

  void error(HttpServletResponse response, int status, String message) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.put("status", status);
    write(response, status, body);
  }

  String toString(Object body) throws IOException {
    return mapper.writeValueAsString(body);
  }

  static Map<String, Object> values(Map<String, Value> named) {
    return ReadingFormat.values(named);
  }

  static Map<String, Object> reading(Reading reading) {
    return ReadingFormat.reading(reading);
  }

  /** An alarm as {@link ReadingFormat#alarm} writes it. */
  static Map<String, Object> alarm(Alarm alarm) {
    return ReadingFormat.alarm(alarm);
  }

  /** {@code {"name", "sensor", "condition", "state", "reason"?}}; state is ok, active or error. */
  static Map<String, Object> rule(Alarms.Rule rule) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", rule.name());
    body.put("sensor", rule.sensorId());
    body.put("condition", rule.condition());
    body.put("state", rule.state().name().toLowerCase(Locale.ROOT));
    if (!rule.reason().isEmpty()) body.put("reason", rule.reason());
    return body;
  }

  static Map<String, Object> sensor(SensorDirectory.Entry entry) {
    Map<String, Object> body = sensor(entry.sensor());
    body.put("bundle", entry.bundle());
    return body;
  }

  static Map<String, Object> sensor(Sensor sensor) {
    SensorInfo info = sensor.info();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", info.id());
    body.put("model", info.model());
    body.put("kind", info.kind());
    body.put("simulated", info.simulated());
    body.put("state", sensor.state().name().toLowerCase(Locale.ROOT));
    String reason = sensor.stateReason();
    if (reason != null && !reason.isEmpty()) body.put("stateReason", reason);
    body.put("maxAgeMs", info.maxAge().toMillis());
    body.put("description", info.description());
    body.put("executor", executor(sensor.executorStats()));
    Map<String, Number> metrics = sensor.metrics();
    body.put("metrics", metrics);
    // The same map under its name before api 1.9, for clients not yet reading "metrics".
    body.put("statistics", metrics);
    return body;
  }

  static Map<String, Object> executor(ExecutorStats stats) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", stats.name());
    body.put("threads", stats.threads());
    body.put("active", stats.active());
    body.put("queued", stats.queued());
    body.put("queueCapacity", stats.queueCapacity());
    body.put("completed", stats.completed());
    body.put("failed", stats.failed());
    body.put("rejected", stats.rejected());
    body.put("meanLatencyMs", stats.meanLatencyMillis());
    body.put("maxLatencyMs", stats.maxLatencyMillis());
    return body;
  }
}
