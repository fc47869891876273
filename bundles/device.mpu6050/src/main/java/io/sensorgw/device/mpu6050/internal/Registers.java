package io.sensorgw.device.mpu6050.internal;

/** MPU-6050 register map and scales (InvenSense register map, rev 4.2). */
final class Registers {
  private Registers() {}

  static final int SMPLRT_DIV = 0x19;
  static final int CONFIG = 0x1A;
  static final int GYRO_CONFIG = 0x1B;
  static final int ACCEL_CONFIG = 0x1C;

  /** First of the 14 data bytes: accel X/Y/Z, temperature, gyro X/Y/Z, big-endian. */
  static final int ACCEL_XOUT_H = 0x3B;

  static final int PWR_MGMT_1 = 0x6B;
  static final int WHO_AM_I = 0x75;

  static final int WHO_AM_I_VALUE = 0x68;
  static final int SAMPLE_LENGTH = 14;

  /** PWR_MGMT_1 bit 6: the chip powers up asleep. */
  static final int SLEEP = 0x40;

  /** Full scale ±2/4/8/16 g, selected by ACCEL_CONFIG bits 4:3. */
  static final int[] ACCEL_RANGES_G = {2, 4, 8, 16};

  static final double[] ACCEL_LSB_PER_G = {16384, 8192, 4096, 2048};

  /** Full scale ±250/500/1000/2000 °/s, selected by GYRO_CONFIG bits 4:3. */
  static final int[] GYRO_RANGES_DPS = {250, 500, 1000, 2000};

  static final double[] GYRO_LSB_PER_DPS = {131, 65.5, 32.8, 16.4};

  /** Low-pass filter bandwidth (Hz) per DLPF_CFG 0-6. */
  static final int[] DLPF_BANDWIDTH_HZ = {260, 184, 94, 44, 21, 10, 5};

  static int accelRangeIndex(int g) {
    return indexOf(ACCEL_RANGES_G, g, "accel.range.g must be 2, 4, 8 or 16");
  }

  static int gyroRangeIndex(int dps) {
    return indexOf(GYRO_RANGES_DPS, dps, "gyro.range.dps must be 250, 500, 1000 or 2000");
  }

  /**
   * Sample rate = gyro output rate / (1 + SMPLRT_DIV); gyro output 8 kHz with DLPF 0 or 7, else 1
   * kHz.
   */
  static int sampleRateDivider(int sampleRateHz, int dlpf) {
    int gyroOutputHz = dlpf == 0 || dlpf == 7 ? 8000 : 1000;
    if (sampleRateHz < 4 || sampleRateHz > gyroOutputHz) {
      throw new IllegalArgumentException(
          "sample.rate.hz must be within 4-"
              + gyroOutputHz
              + " with this filter, was "
              + sampleRateHz);
    }
    return Math.min(255, Math.max(0, Math.round(gyroOutputHz / (float) sampleRateHz) - 1));
  }

  private static int indexOf(int[] values, int value, String message) {
    for (int i = 0; i < values.length; i++) if (values[i] == value) return i;
    throw new IllegalArgumentException(message + ", was " + value);
  }
}
