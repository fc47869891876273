package io.sensorgw.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One acquisition of a sensor.
 *
 * @param sensorId the sensor that produced it
 * @param sequence increasing per sensor instance, starting at 1
 * @param acquiredAt when the device was read
 * @param values named quantities in a stable order, e.g. {@code distance -> 123 cm}
 * @param quality how far it can be trusted
 * @param acquisitionTime how long the device access took
 * @param message why the quality is not OK or SIMULATED, or empty
 */
public record Reading(
    String sensorId,
    long sequence,
    Instant acquiredAt,
    Map<String, Value> values,
    Quality quality,
    Duration acquisitionTime,
    String message) {

  public Reading {
    Objects.requireNonNull(sensorId, "sensorId");
    Objects.requireNonNull(acquiredAt, "acquiredAt");
    Objects.requireNonNull(quality, "quality");
    Objects.requireNonNull(acquisitionTime, "acquisitionTime");
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    message = message == null ? "" : message;
  }

  /** The same reading with another quality and message, e.g. marked stale when served late. */
  public Reading withQuality(Quality newQuality, String newMessage) {
    return new Reading(
        sensorId, sequence, acquiredAt, values, newQuality, acquisitionTime, newMessage);
  }

  /** Age of this reading at {@code now}. */
  public Duration age(Instant now) {
    return Duration.between(acquiredAt, now);
  }
}
