package io.sensorgw.api;

import java.time.Instant;
import java.util.Objects;

/**
 * A change of an alarm rule's state, as the alarms bundle reports it to every {@link
 * AlarmListener}: raised ({@link #active()} true) or cleared.
 *
 * @param rule the rule's name, unique in the gateway, e.g. {@code tfluna-close}; 1 to 64 characters
 *     of {@code A-Z a-z 0-9 . _ -} (usable in an MQTT topic and a URL)
 * @param sensorId the sensor the rule watches
 * @param condition the rule in words, e.g. {@code distance below 30 cm for 500 ms}
 * @param active true while the alarm is raised
 * @param since when it was raised (or, when not active, cleared)
 * @param value the watched value when it changed state, or {@code NaN} for a state rule
 * @param unit that value's unit, empty when none
 */
public record Alarm(
    String rule,
    String sensorId,
    String condition,
    boolean active,
    Instant since,
    double value,
    String unit) {

  public Alarm {
    Objects.requireNonNull(rule, "rule");
    Objects.requireNonNull(sensorId, "sensorId");
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(since, "since");
    unit = unit == null ? "" : unit;
  }
}
