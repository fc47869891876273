package io.sensorgw.device.mpu6050.internal;

/**
 * One coherent sample, decoded from a 14-byte burst.
 *
 * @param accel acceleration X/Y/Z in g
 * @param gyro angular rate X/Y/Z in °/s
 * @param celsius die temperature
 */
record Sample(double[] accel, double[] gyro, double celsius) {
  static final double STANDARD_GRAVITY = 9.80665;

  /**
   * Decodes the burst read from ACCEL_XOUT_H: big-endian signed 16-bit values, scaled by the
   * configured ranges, offsets subtracted (raw units, from calibration).
   */
  static Sample decode(
      byte[] raw, int accelRange, int gyroRange, double[] accelOffset, double[] gyroOffset) {
    double accelScale = Registers.ACCEL_LSB_PER_G[accelRange];
    double gyroScale = Registers.GYRO_LSB_PER_DPS[gyroRange];
    double[] accel = new double[3];
    double[] gyro = new double[3];
    for (int axis = 0; axis < 3; axis++) {
      accel[axis] = s16(raw, axis * 2) / accelScale - accelOffset[axis];
      gyro[axis] = s16(raw, 8 + axis * 2) / gyroScale - gyroOffset[axis];
    }
    return new Sample(accel, gyro, s16(raw, 6) / 340.0 + 36.53);
  }

  static int s16(byte[] raw, int at) {
    return (short) ((raw[at] & 0xFF) << 8 | raw[at + 1] & 0xFF);
  }
}
