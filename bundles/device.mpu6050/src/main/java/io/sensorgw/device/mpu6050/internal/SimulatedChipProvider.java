package io.sensorgw.device.mpu6050.internal;

import com.pi4j.io.i2c.I2C;
import com.pi4j.io.i2c.I2CConfig;
import com.pi4j.io.i2c.I2CProviderBase;
import java.nio.file.Path;

/** A Pi4J I2C provider whose devices are {@link SimulatedChip}s. */
final class SimulatedChipProvider extends I2CProviderBase {
  private final long seed;
  private final int whoAmI;
  private final Path presenceFile;

  /**
   * @param presenceFile the chip answers only while this file exists; null: always
   */
  SimulatedChipProvider(long seed, int whoAmI, Path presenceFile) {
    super("sensorgw-simulated-mpu6050-i2c", "sensorgw simulated MPU-6050");
    this.seed = seed;
    this.whoAmI = whoAmI;
    this.presenceFile = presenceFile;
  }

  @Override
  public I2C create(I2CConfig config) {
    return new SimulatedChip(this, config, seed, whoAmI, presenceFile);
  }
}
