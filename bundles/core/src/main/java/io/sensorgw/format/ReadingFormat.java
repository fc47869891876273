package io.sensorgw.format;

import io.sensorgw.api.Alarm;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one JSON shape of a reading and of an alarm, as plain maps any JSON library writes: the HTTP
 * API, the live streams (SSE, WebSocket) and MQTT telemetry all send exactly these.
 */
public final class ReadingFormat {
  private ReadingFormat() {}

  /**
   * {@code {"sensor", "sequence", "timestamp", "quality", "acquisitionMs", "values", "message"?}}.
   */
  public static Map<String, Object> reading(Reading reading) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("sensor", reading.sensorId());
    body.put("sequence", reading.sequence());
    body.put("timestamp", reading.acquiredAt().toString());
    body.put("quality", reading.quality().name().toLowerCase(Locale.ROOT));
    body.put("acquisitionMs", reading.acquisitionTime().toNanos() / 1e6);
    body.put("values", values(reading.values()));
    if (!reading.message().isEmpty()) body.put("message", reading.message());
    return body;
  }

  /** {@code {"distance": {"value": 1.0, "unit": "m"}, ...}}. */
  public static Map<String, Object> values(Map<String, Value> named) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, Value> value : named.entrySet()) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("value", value.getValue().value());
      v.put("unit", value.getValue().unit());
      values.put(value.getKey(), v);
    }
    return values;
  }

  /**
   * {@code {"rule", "sensor", "condition", "active", "since", "value", "unit"}}: an alarm as {@code
   * /api/alarms}, the streams and MQTT send it; {@code value} is null for a state or stale rule.
   */
  public static Map<String, Object> alarm(Alarm alarm) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("rule", alarm.rule());
    body.put("sensor", alarm.sensorId());
    body.put("condition", alarm.condition());
    body.put("active", alarm.active());
    body.put("since", alarm.since().toString());
    body.put("value", Double.isFinite(alarm.value()) ? alarm.value() : null);
    body.put("unit", alarm.unit());
    return body;
  }
}
