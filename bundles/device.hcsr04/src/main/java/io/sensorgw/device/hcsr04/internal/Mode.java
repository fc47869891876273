package io.sensorgw.device.hcsr04.internal;

import io.sensorgw.core.ConfigCheck;

/**
 * {@code mode}: a BLE bridge, or a simulated target. The configuration keeps the text (its metatype
 * options list the same texts); the driver reads it through {@link ConfigCheck#oneOf(String,
 * java.util.function.Supplier, Class)}, which reports any other value as a problem.
 */
enum Mode implements ConfigCheck.Choice {
  BLE("ble"),
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
