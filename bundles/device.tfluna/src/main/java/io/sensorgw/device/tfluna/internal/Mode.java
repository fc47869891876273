package io.sensorgw.device.tfluna.internal;

import io.sensorgw.core.ConfigCheck;

/**
 * {@code mode}: where the frames come from. The configuration keeps the text (its metatype options
 * list the same texts); the driver reads it through {@link ConfigCheck#oneOf(String,
 * java.util.function.Supplier, Class)}, which reports any other value as a problem.
 */
enum Mode implements ConfigCheck.Choice {
  HARDWARE("hardware"),
  SIMULATED("simulated");

  private final String configValue;

  Mode(String configValue) {
    this.configValue = configValue;
  }

  @Override
  public String configValue() {
    return configValue;
  }
}
