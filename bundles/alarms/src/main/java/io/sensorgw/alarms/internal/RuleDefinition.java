package io.sensorgw.alarms.internal;

import io.sensorgw.api.SensorState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One rule as configured (factory PID {@code io.sensorgw.alarm}), checked: a value rule (a value
 * below and/or above thresholds, with hysteresis and a delay), a sensor-state rule (the sensor in
 * error or degraded for a while) or a stale rule (no reading for a while). {@link #parse} reads the
 * raw configuration, whose values may be strings ({@code .cfg} files) or typed (console, {@code
 * .config}), and says every problem at once.
 */
record RuleDefinition(
    String name,
    String sensorId,
    Kind kind,
    String valueName,
    double below,
    double above,
    double clearAbove,
    double clearBelow,
    long forMs,
    SensorState state,
    long staleMs) {

  static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  static final long MAX_MS = 86_400_000L;

  enum Kind {
    VALUE,
    STATE,
    STALE
  }

  /** A configuration that cannot be a rule; the message names every problem. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** True when a reading's value should raise the alarm (ignoring the delay). */
  boolean raises(double value) {
    return value < below
        || value > above; // NaN thresholds compare false: an unset side never raises
  }

  /**
   * True when a reading's value clears the raised alarm: back past every side's clear threshold.
   */
  boolean clears(double value) {
    boolean lowSide =
        Double.isNaN(below) || (Double.isNaN(clearAbove) ? value >= below : value > clearAbove);
    boolean highSide =
        Double.isNaN(above) || (Double.isNaN(clearBelow) ? value <= above : value < clearBelow);
    return lowSide && highSide;
  }

  /**
   * True when the sensor's state holds the state rule's condition: {@code degraded} includes error.
   */
  boolean stateHolds(SensorState current) {
    if (current == null) return false;
    return current == state || (state == SensorState.DEGRADED && current == SensorState.ERROR);
  }

  /** The rule in words, e.g. {@code distance below 30 for 500 ms, clears above 35}. */
  String condition() {
    StringBuilder text = new StringBuilder();
    switch (kind) {
      case VALUE -> {
        text.append(valueName);
        if (!Double.isNaN(below)) text.append(" below ").append(number(below));
        if (!Double.isNaN(below) && !Double.isNaN(above)) text.append(" or");
        if (!Double.isNaN(above)) text.append(" above ").append(number(above));
        if (forMs > 0) text.append(" for ").append(forMs).append(" ms");
        if (!Double.isNaN(clearAbove)) text.append(", clears above ").append(number(clearAbove));
        if (!Double.isNaN(clearBelow)) text.append(", clears below ").append(number(clearBelow));
      }
      case STATE -> {
        text.append("state ").append(state.name().toLowerCase(Locale.ROOT));
        if (forMs > 0) text.append(" for ").append(forMs).append(" ms");
      }
      case STALE -> text.append("no reading for ").append(staleMs).append(" ms");
    }
    return text.toString();
  }

  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : Double.toString(value);
  }

  /** The rule a configuration describes, or {@link Refused} naming each problem. */
  static RuleDefinition parse(Map<String, ?> properties) throws Refused {
    List<String> problems = new ArrayList<>();
    String name = text(properties, "name");
    if (name.isEmpty()) {
      problems.add("name is required (1-64 characters of A-Z a-z 0-9 . _ -)");
    } else if (!NAME.matcher(name).matches()) {
      problems.add(
          "name must be 1-64 characters of A-Z a-z 0-9 . _ -, was '" + shortened(name) + "'");
    }
    String sensor = text(properties, "sensor");
    if (sensor.isEmpty()) {
      problems.add("sensor is required (a sensor id)");
    } else if (!NAME.matcher(sensor).matches()) {
      problems.add(
          "sensor must be a sensor id (1-64 characters of A-Z a-z 0-9 . _ -), was '"
              + shortened(sensor)
              + "'");
    }
    String valueName = text(properties, "value");
    double below = number(properties, "below", problems);
    double above = number(properties, "above", problems);
    double clearAbove = number(properties, "clear.above", problems);
    double clearBelow = number(properties, "clear.below", problems);
    long forMs = millis(properties, "for.ms", problems);
    long staleMs = millis(properties, "stale.ms", problems);
    String stateText = text(properties, "state").toLowerCase(Locale.ROOT);
    SensorState state =
        switch (stateText) {
          case "" -> null;
          case "error" -> SensorState.ERROR;
          case "degraded" -> SensorState.DEGRADED;
          default -> {
            problems.add("state must be error or degraded, was '" + shortened(stateText) + "'");
            yield null;
          }
        };
    // Given, even when refused as not a number: one problem said once, not "needs below" too.
    boolean thresholds =
        !text(properties, "below").isEmpty() || !text(properties, "above").isEmpty();
    int kinds =
        (valueName.isEmpty() ? 0 : 1) + (stateText.isEmpty() ? 0 : 1) + (staleMs > 0 ? 1 : 0);
    Kind kind = !valueName.isEmpty() ? Kind.VALUE : !stateText.isEmpty() ? Kind.STATE : Kind.STALE;
    if (kinds == 0) {
      problems.add(
          "set one of: value (with below and/or above), state (error or degraded), stale.ms");
    } else if (kinds > 1) {
      problems.add("set only one of value, state and stale.ms (one rule per condition)");
    }
    if (kind == Kind.VALUE && !valueName.isEmpty()) {
      if (!thresholds) problems.add("a value rule needs below and/or above");
      if (!Double.isNaN(clearAbove) && Double.isNaN(below))
        problems.add("clear.above is for a below threshold; below is not set");
      if (!Double.isNaN(clearBelow) && Double.isNaN(above))
        problems.add("clear.below is for an above threshold; above is not set");
      if (!Double.isNaN(clearAbove) && clearAbove < below) {
        problems.add(
            "clear.above must be at least below ("
                + number(below)
                + "), was "
                + number(clearAbove));
      }
      if (!Double.isNaN(clearBelow) && clearBelow > above) {
        problems.add(
            "clear.below must be at most above (" + number(above) + "), was " + number(clearBelow));
      }
      if (!Double.isNaN(below) && !Double.isNaN(above)) {
        double lowClear = Double.isNaN(clearAbove) ? below : clearAbove;
        double highClear = Double.isNaN(clearBelow) ? above : clearBelow;
        if (lowClear >= highClear) {
          problems.add(
              "with both below and above, the values that clear ("
                  + number(lowClear)
                  + " to "
                  + number(highClear)
                  + ") must be a range");
        }
      }
    } else if (thresholds
        || !text(properties, "clear.above").isEmpty()
        || !text(properties, "clear.below").isEmpty()) {
      if (kinds == 1)
        problems.add("below, above, clear.above and clear.below need value (the value's name)");
    }
    if (kind == Kind.STALE && forMs > 0 && kinds == 1)
      problems.add("for.ms is not used by a stale rule; set stale.ms");
    if (!problems.isEmpty()) throw new Refused(String.join("; ", problems));
    return new RuleDefinition(
        name, sensor, kind, valueName, below, above, clearAbove, clearBelow, forMs, state, staleMs);
  }

  private static String text(Map<String, ?> properties, String key) {
    Object value = properties.get(key);
    return value == null ? "" : value.toString().trim();
  }

  private static double number(Map<String, ?> properties, String key, List<String> problems) {
    Object value = properties.get(key);
    if (value instanceof Number number) {
      double result = number.doubleValue();
      if (Double.isFinite(result)) return result;
    } else {
      String text = value == null ? "" : value.toString().trim();
      if (text.isEmpty()) return Double.NaN;
      try {
        double result = Double.parseDouble(text);
        if (Double.isFinite(result)) return result;
      } catch (NumberFormatException e) {
        // said below
      }
    }
    problems.add(key + " must be a number, was '" + shortened(String.valueOf(value)) + "'");
    return Double.NaN;
  }

  private static long millis(Map<String, ?> properties, String key, List<String> problems) {
    Object value = properties.get(key);
    String text = value == null ? "" : value.toString().trim();
    if (text.isEmpty()) return 0;
    try {
      long result = value instanceof Number number ? number.longValue() : Long.parseLong(text);
      if (result >= 0 && result <= MAX_MS) return result;
    } catch (NumberFormatException e) {
      // said below
    }
    problems.add(key + " must be 0-" + MAX_MS + " ms, was '" + shortened(text) + "'");
    return 0;
  }

  private static String shortened(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }
}
