package io.sensorgw.backpressure.internal;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * {@code mode}: how the number of concurrent requests is limited. The configuration keeps the text
 * (its metatype options list the same texts, matched exactly); the filter switches over this.
 */
enum BackpressureMode {
  FIXED("fixed"),
  ADAPTIVE("adaptive");

  private final String configValue;

  BackpressureMode(String configValue) {
    this.configValue = configValue;
  }

  /** The text that selects this mode in the configuration. */
  String configValue() {
    return configValue;
  }

  /**
   * @throws IllegalArgumentException naming the setting, the value and the allowed values
   */
  static BackpressureMode fromConfig(String value) {
    for (BackpressureMode mode : values()) if (mode.configValue.equals(value)) return mode;
    throw new IllegalArgumentException(
        "mode must be "
            + Arrays.stream(values())
                .map(BackpressureMode::configValue)
                .collect(Collectors.joining(" or "))
            + ", was "
            + (value == null ? "nothing" : "\"" + value + "\""));
  }
}
