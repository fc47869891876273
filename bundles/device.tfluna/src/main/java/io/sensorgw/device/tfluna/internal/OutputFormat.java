package io.sensorgw.device.tfluna.internal;

import io.sensorgw.core.ConfigCheck;

/**
 * {@code output.format}: the unit the sensor is told to send distances in. The configuration keeps
 * the text (its metatype options list the same texts); the driver reads it through {@link
 * ConfigCheck#oneOf(String, java.util.function.Supplier, Class)}, which reports any other value as
 * a problem.
 */
enum OutputFormat implements ConfigCheck.Choice {
  CM("cm", Frames.FORMAT_CM),
  MM("mm", Frames.FORMAT_MM);

  private final String configValue;

  /** The format code of the sensor's output-format command. */
  final int frameFormat;

  OutputFormat(String configValue, int frameFormat) {
    this.configValue = configValue;
    this.frameFormat = frameFormat;
  }

  @Override
  public String configValue() {
    return configValue;
  }
}
