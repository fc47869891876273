package io.sensorgw.api;

import java.util.Objects;

/**
 * One measured quantity with its unit.
 *
 * @param value the number
 * @param unit its unit, e.g. {@code cm}, {@code g}, {@code °C}; empty for a pure number
 */
public record Value(double value, String unit) {
  public Value {
    Objects.requireNonNull(unit, "unit");
  }

  public static Value of(double value, String unit) {
    return new Value(value, unit);
  }
}
