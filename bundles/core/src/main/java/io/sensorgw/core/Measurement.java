package io.sensorgw.core;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Value;
import java.util.Map;
import java.util.Objects;

/**
 * What a driver's acquisition returns; {@link SensorReader} adds the sensor id, sequence, timestamp
 * and acquisition time to make it a {@code Reading}.
 *
 * @param values named quantities in a stable order
 * @param quality OK for hardware, SIMULATED for a simulation, ERROR for an unreliable value
 * @param message why the quality is ERROR, or empty
 */
public record Measurement(Map<String, Value> values, Quality quality, String message) {
  public Measurement {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(quality, "quality");
    message = message == null ? "" : message;
  }

  public static Measurement of(Quality quality, Map<String, Value> values) {
    return new Measurement(values, quality, "");
  }
}
