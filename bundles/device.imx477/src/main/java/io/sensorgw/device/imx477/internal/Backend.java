package io.sensorgw.device.imx477.internal;

import io.sensorgw.core.ConfigCheck;

/**
 * {@code backend}: how frames are captured. The configuration keeps the text (its metatype options
 * list the same texts); the driver reads it through {@link ConfigCheck#oneOf(String,
 * java.util.function.Supplier, Class)}, which reports any other value as a problem.
 */
enum Backend implements ConfigCheck.Choice {
  SIMULATED("simulated"),
  STILL("still"),
  STREAM("stream"),
  V4L2("v4l2");

  private final String configValue;

  Backend(String configValue) {
    this.configValue = configValue;
  }

  @Override
  public String configValue() {
    return configValue;
  }
}
