package io.sensorgw.device.hcsr04.internal;

import java.util.Random;

/**
 * A simulated target in front of the ranger, deterministic for a seed: it drifts between 20 and 300
 * cm (a person walking up and away), each echo has a few millimetres of noise, and about one echo
 * in 40 is lost, which the HC-SR04 reports as its ~38 ms timeout (far out of range).
 */
final class SimulatedTarget {
  /** The echo the sensor reports when nothing came back. */
  static final long LOST_ECHO_US = 38_000;

  private final Random random;
  private double cm = 150;
  private double speedCmPerStep = 1.5;

  SimulatedTarget(long seed) {
    this.random = new Random(seed);
  }

  /** The next echo time in microseconds, one measurement (~66 ms) later. */
  long nextEchoMicros(double temperatureC) {
    if (random.nextInt(40) == 0) return LOST_ECHO_US;
    speedCmPerStep += random.nextGaussian() * 0.3;
    speedCmPerStep = Math.max(-4, Math.min(4, speedCmPerStep));
    cm += speedCmPerStep;
    if (cm < 20 || cm > 300) {
      speedCmPerStep = -speedCmPerStep;
      cm = Math.max(20, Math.min(300, cm));
    }
    double measured = cm + random.nextGaussian() * 0.3;
    return Math.round(measured * 20_000.0 / Payload.speedOfSound(temperatureC));
  }
}
