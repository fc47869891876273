package io.sensorgw.device.mpu6050.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Values worked out by hand from the register map's formulas. */
class SampleTest {
  private static final double[] NO_OFFSET = {0, 0, 0};

  /** 14 bytes: accel X/Y/Z, temperature, gyro X/Y/Z, each big-endian 16-bit. */
  private static byte[] raw(int ax, int ay, int az, int temp, int gx, int gy, int gz) {
    int[] words = {ax, ay, az, temp, gx, gy, gz};
    byte[] raw = new byte[14];
    for (int i = 0; i < 7; i++) {
      raw[i * 2] = (byte) (words[i] >> 8);
      raw[i * 2 + 1] = (byte) words[i];
    }
    return raw;
  }

  @Test
  void oneGOnEachRange() {
    // 16384 LSB/g at ±2 g is 1 g; the same count at ±16 g (2048 LSB/g) is 8 g.
    assertEquals(
        1.0,
        Sample.decode(raw(16384, 0, 0, 0, 0, 0, 0), 0, 0, NO_OFFSET, NO_OFFSET).accel()[0],
        1e-12);
    assertEquals(
        2.0,
        Sample.decode(raw(16384, 0, 0, 0, 0, 0, 0), 1, 0, NO_OFFSET, NO_OFFSET).accel()[0],
        1e-12);
    assertEquals(
        4.0,
        Sample.decode(raw(16384, 0, 0, 0, 0, 0, 0), 2, 0, NO_OFFSET, NO_OFFSET).accel()[0],
        1e-12);
    assertEquals(
        8.0,
        Sample.decode(raw(16384, 0, 0, 0, 0, 0, 0), 3, 0, NO_OFFSET, NO_OFFSET).accel()[0],
        1e-12);
  }

  @Test
  void negativeValuesAreSignExtended() {
    Sample sample =
        Sample.decode(raw(0xC000, 0x8000, 0xFFFF, 0, 0xFF7D, 0, 0), 0, 0, NO_OFFSET, NO_OFFSET);
    assertEquals(-1.0, sample.accel()[0], 1e-12);
    assertEquals(-2.0, sample.accel()[1], 1e-12); // -32768 / 16384
    assertEquals(-1 / 16384.0, sample.accel()[2], 1e-12);
    assertEquals(-1.0, sample.gyro()[0], 1e-12); // -131 at 131 LSB per °/s
  }

  @Test
  void gyroRangesAndAxisOrder() {
    Sample sample = Sample.decode(raw(0, 0, 0, 0, 131, 655, 164), 0, 0, NO_OFFSET, NO_OFFSET);
    assertEquals(1.0, sample.gyro()[0], 1e-12);
    assertEquals(5.0, sample.gyro()[1], 1e-12);
    assertEquals(164 / 131.0, sample.gyro()[2], 1e-12);
    assertEquals(
        10.0,
        Sample.decode(raw(0, 0, 0, 0, 655, 0, 0), 0, 1, NO_OFFSET, NO_OFFSET).gyro()[0],
        1e-12);
    assertEquals(
        20.0,
        Sample.decode(raw(0, 0, 0, 0, 656, 0, 0), 0, 2, NO_OFFSET, NO_OFFSET).gyro()[0],
        1e-12);
    assertEquals(
        100.0,
        Sample.decode(raw(0, 0, 0, 0, 1640, 0, 0), 0, 3, NO_OFFSET, NO_OFFSET).gyro()[0],
        1e-9);
  }

  @Test
  void temperatureFormula() {
    assertEquals(
        36.53,
        Sample.decode(raw(0, 0, 0, 0, 0, 0, 0), 0, 0, NO_OFFSET, NO_OFFSET).celsius(),
        1e-12);
    // (25 - 36.53) * 340 = -3920.2 -> raw -3920 -> 25.0006 °C
    assertEquals(
        -3920 / 340.0 + 36.53,
        Sample.decode(raw(0, 0, 0, -3920, 0, 0, 0), 0, 0, NO_OFFSET, NO_OFFSET).celsius(),
        1e-12);
  }

  @Test
  void offsetsAreSubtracted() {
    Sample sample =
        Sample.decode(
            raw(16384, 0, 16384, 0, 131, 0, 0),
            0,
            0,
            new double[] {0.5, 0, 0.25},
            new double[] {1, 0, 0});
    assertEquals(0.5, sample.accel()[0], 1e-12);
    assertEquals(0.75, sample.accel()[2], 1e-12);
    assertEquals(0.0, sample.gyro()[0], 1e-12);
  }

  @Test
  void sampleRateDividerFollowsTheDatasheet() {
    assertEquals(0, Registers.sampleRateDivider(1000, 3)); // 1 kHz / (1 + 0)
    assertEquals(9, Registers.sampleRateDivider(100, 3));
    assertEquals(7, Registers.sampleRateDivider(1000, 0)); // 8 kHz / (1 + 7)
    assertThrows(IllegalArgumentException.class, () -> Registers.sampleRateDivider(2000, 3));
    assertThrows(IllegalArgumentException.class, () -> Registers.accelRangeIndex(3));
  }
}
