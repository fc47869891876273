package io.sensorgw.device.hcsr04.internal;

import io.sensorgw.core.ConfigCheck;

/**
 * {@code payload.format}: how the bridge encodes each notification. The configuration keeps the
 * text (its metatype options list the same texts); the driver reads it through {@link
 * ConfigCheck#oneOf(String, java.util.function.Supplier, Class)}, which reports any other value as
 * a problem.
 */
enum PayloadFormat implements ConfigCheck.Choice {
  UINT16LE_MM("uint16le-mm"),
  ASCII_CM("ascii-cm"),
  FLOAT32LE_CM("float32le-cm"),
  UINT32LE_ECHO_US("uint32le-echo-us");

  private final String configValue;

  PayloadFormat(String configValue) {
    this.configValue = configValue;
  }

  @Override
  public String configValue() {
    return configValue;
  }
}
