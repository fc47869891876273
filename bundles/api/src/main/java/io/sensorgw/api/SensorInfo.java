package io.sensorgw.api;

import java.time.Duration;
import java.util.Objects;

/**
 * What a sensor is.
 *
 * @param id unique sensor id
 * @param model device model in lower case, e.g. {@code mpu6050}
 * @param kind what it measures, e.g. {@code distance}
 * @param simulated true when readings come from a simulation, not hardware
 * @param maxAge how old a cached reading may be when served
 * @param description free text for people, e.g. the port or bus it is attached to
 */
public record SensorInfo(
    String id, String model, String kind, boolean simulated, Duration maxAge, String description) {
  public SensorInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(maxAge, "maxAge");
    description = description == null ? "" : description;
  }
}
