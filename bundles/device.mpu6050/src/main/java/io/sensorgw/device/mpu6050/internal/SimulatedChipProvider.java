package io.sensorgw.device.mpu6050.internal;

import com.pi4j.io.i2c.I2C;
import com.pi4j.io.i2c.I2CConfig;
import com.pi4j.io.i2c.I2CProviderBase;

/** A Pi4J I2C provider whose devices are {@link SimulatedChip}s. */
final class SimulatedChipProvider extends I2CProviderBase {
  private final long seed;
  private final int whoAmI;

  SimulatedChipProvider(long seed, int whoAmI) {
    super("sensorgw-simulated-mpu6050-i2c", "sensorgw simulated MPU-6050");
    this.seed = seed;
    this.whoAmI = whoAmI;
  }

  @Override
  public I2C create(I2CConfig config) {
    return new SimulatedChip(this, config, seed, whoAmI);
  }
}
