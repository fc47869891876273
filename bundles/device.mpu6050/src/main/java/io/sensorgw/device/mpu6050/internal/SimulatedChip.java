package io.sensorgw.device.mpu6050.internal;

import com.pi4j.exception.Pi4JException;
import com.pi4j.io.i2c.I2CConfig;
import com.pi4j.io.i2c.I2CProvider;
import com.pi4j.plugin.mock.provider.i2c.MockI2C;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An MPU-6050 on Pi4J's mock I2C: a register file that answers like the chip. It powers up asleep,
 * keeps the configuration written to it, and each burst read from ACCEL_XOUT_H returns a new sample
 * encoded at the configured full scales: gravity on Z tilting slowly about X (a slow rotation), the
 * matching angular rate, noise, and a die temperature near 31 °C. The sample sequence depends only
 * on the seed. With a presence file it answers only while that file exists, as a chip that is
 * plugged in or not: absent, every transfer fails as an unanswered (NACKed) one does on Linux.
 */
final class SimulatedChip extends MockI2C {
  /** Simulated time advances this much per sample, whatever the real read rate. */
  static final double SECONDS_PER_SAMPLE = 0.001;

  private static final double TILT_PERIOD_S = 30;
  private static final double TILT_AMPLITUDE_RAD = Math.toRadians(20);

  private final byte[] registers = new byte[128];
  private final SplittableRandom random;
  private final List<int[]> writes = new ArrayList<>();
  private final Path presenceFile;
  private long sampleIndex;

  SimulatedChip(I2CProvider provider, I2CConfig config, long seed, int whoAmI, Path presenceFile) {
    super(provider, config);
    this.presenceFile = presenceFile;
    this.random = new SplittableRandom(seed);
    registers[Registers.WHO_AM_I] = (byte) whoAmI;
    registers[Registers.PWR_MGMT_1] = (byte) Registers.SLEEP;
  }

  /** Absent: no answer on the bus, as the Linux I2C driver reports a NACK. */
  private void requirePresent() {
    if (presenceFile != null && !Files.exists(presenceFile)) {
      throw new Pi4JException(
          "no answer (simulated chip absent: " + presenceFile + " does not exist)");
    }
  }

  @Override
  public synchronized int writeRegister(int register, byte value) {
    requirePresent();
    writes.add(new int[] {register, value & 0xFF});
    if (register == Registers.PWR_MGMT_1 && (value & 0x80) != 0) {
      java.util.Arrays.fill(registers, (byte) 0); // DEVICE_RESET: back to power-on state
      registers[Registers.WHO_AM_I] = (byte) Registers.WHO_AM_I_VALUE;
      registers[Registers.PWR_MGMT_1] = (byte) Registers.SLEEP;
      return 1;
    }
    if (register != Registers.WHO_AM_I) registers[register & 0x7F] = value;
    return 1;
  }

  @Override
  public synchronized int readRegister(int register) {
    requirePresent();
    return registers[register & 0x7F] & 0xFF;
  }

  @Override
  public synchronized int readRegister(int register, byte[] buffer, int offset, int length) {
    requirePresent();
    if (register == Registers.ACCEL_XOUT_H) sample();
    for (int i = 0; i < length; i++) buffer[offset + i] = registers[(register + i) & 0x7F];
    return length;
  }

  /** Register writes in order, as {register, value}; for tests of the start-up sequence. */
  synchronized List<int[]> writes() {
    return List.copyOf(writes);
  }

  private void sample() {
    if ((registers[Registers.PWR_MGMT_1] & Registers.SLEEP) != 0) {
      java.util.Arrays.fill(
          registers, Registers.ACCEL_XOUT_H, Registers.ACCEL_XOUT_H + 14, (byte) 0);
      return; // asleep: the data registers do not update
    }
    double t = sampleIndex++ * SECONDS_PER_SAMPLE;
    double omega = 2 * Math.PI / TILT_PERIOD_S;
    double tilt = TILT_AMPLITUDE_RAD * Math.sin(omega * t);
    double tiltRateDps = Math.toDegrees(TILT_AMPLITUDE_RAD * omega * Math.cos(omega * t));
    double[] accelG = {
      random.nextGaussian() * 0.004,
      Math.sin(tilt) + random.nextGaussian() * 0.004,
      Math.cos(tilt) + random.nextGaussian() * 0.004
    };
    double[] gyroDps = {
      tiltRateDps + random.nextGaussian() * 0.05,
      random.nextGaussian() * 0.05,
      random.nextGaussian() * 0.05
    };
    double celsius = 31 + random.nextGaussian() * 0.05;
    int accelRange = (registers[Registers.ACCEL_CONFIG] >> 3) & 0x3;
    int gyroRange = (registers[Registers.GYRO_CONFIG] >> 3) & 0x3;
    for (int axis = 0; axis < 3; axis++) {
      put(Registers.ACCEL_XOUT_H + axis * 2, accelG[axis] * Registers.ACCEL_LSB_PER_G[accelRange]);
      put(
          Registers.ACCEL_XOUT_H + 8 + axis * 2,
          gyroDps[axis] * Registers.GYRO_LSB_PER_DPS[gyroRange]);
    }
    put(Registers.ACCEL_XOUT_H + 6, (celsius - 36.53) * 340);
  }

  private void put(int register, double value) {
    int raw = (int) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, Math.round(value)));
    registers[register] = (byte) (raw >> 8);
    registers[register + 1] = (byte) raw;
  }
}
