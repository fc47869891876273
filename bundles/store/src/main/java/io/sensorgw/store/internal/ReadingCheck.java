package io.sensorgw.store.internal;

import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import java.util.Map;

/**
 * The store's door: what a reading must be for the database to take it. A reading that fails is a
 * dead letter at once, so it never reaches (and never fails) a batch of other sensors' readings.
 * Value names, units and messages longer than their columns are cut, not refused.
 */
final class ReadingCheck {
  private ReadingCheck() {}

  /** The sensor_id column's size. */
  static final int MAX_SENSOR_ID = 128;

  /** More values than this in one reading is not a sensor's reading (the largest has a handful). */
  static final int MAX_VALUES = 256;

  /** Stored times stay within years 1 to 9999, as ISO-8601 prints them without a sign. */
  static final long MIN_EPOCH_MS = -62_135_596_800_000L; // 0001-01-01T00:00:00Z

  static final long MAX_EPOCH_MS = 253_402_300_799_999L; // 9999-12-31T23:59:59.999Z

  /**
   * Why this id can never be stored, or null: empty, longer than the column, or a control
   * character.
   */
  static String sensorIdProblem(String id) {
    if (id == null || id.isBlank()) return "sensor id is empty";
    if (id.length() > MAX_SENSOR_ID) {
      return "sensor id is longer than " + MAX_SENSOR_ID + " characters (" + id.length() + ")";
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (Character.isISOControl(c))
        return "sensor id contains a control character (U+" + hex(c) + ")";
      if (Character.isSurrogate(c)
          && !(Character.isHighSurrogate(c)
              && i + 1 < id.length()
              && Character.isLowSurrogate(id.charAt(++i)))) {
        return "sensor id is not valid Unicode (lone surrogate)";
      }
    }
    return null;
  }

  /** Why this reading cannot be stored, or null. */
  static String problem(Reading reading) {
    String idProblem = sensorIdProblem(reading.sensorId());
    if (idProblem != null) return idProblem;
    if (reading.values().size() > MAX_VALUES) {
      return "reading has " + reading.values().size() + " values, more than " + MAX_VALUES;
    }
    long epochMs;
    try {
      epochMs = reading.acquiredAt().toEpochMilli();
    } catch (ArithmeticException e) {
      return "timestamp out of range: " + reading.acquiredAt();
    }
    if (epochMs < MIN_EPOCH_MS || epochMs > MAX_EPOCH_MS) {
      return "timestamp outside years 1 to 9999: " + reading.acquiredAt();
    }
    for (Map.Entry<String, Value> value : reading.values().entrySet()) {
      if (value.getKey() == null || value.getKey().isEmpty()) return "a value has no name";
      // PostgreSQL refuses NUL in text (22021); other control characters in a name are a driver
      // bug.
      if (hasControl(value.getKey())) return "value name contains a control character";
      if (value.getValue() == null || value.getValue().unit() == null)
        return "value '" + value.getKey() + "' is null";
      if (hasControl(value.getValue().unit()))
        return "unit of '" + value.getKey() + "' contains a control character";
    }
    return null;
  }

  /** The id as a log line or health reason may show it: bounded, control characters escaped. */
  static String printable(String id) {
    if (id == null) return "null";
    StringBuilder out = new StringBuilder();
    int shown = Math.min(id.length(), 48);
    for (int i = 0; i < shown; i++) {
      char c = id.charAt(i);
      out.append(Character.isISOControl(c) ? "\\u" + hex(c) : String.valueOf(c));
    }
    if (shown < id.length()) out.append("...(").append(id.length()).append(" characters)");
    return out.toString();
  }

  /** A reading's free-text message without NUL characters (PostgreSQL text cannot hold them). */
  static String storableMessage(String message, int max) {
    String text = message.indexOf('\0') < 0 ? message : message.replace('\0', ' ');
    return text.length() <= max ? text : text.substring(0, max);
  }

  private static boolean hasControl(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isISOControl(text.charAt(i))) return true;
    }
    return false;
  }

  private static String hex(char c) {
    return String.format("%04X", (int) c);
  }
}
