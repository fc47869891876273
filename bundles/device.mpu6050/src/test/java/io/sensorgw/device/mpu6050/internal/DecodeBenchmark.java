package io.sensorgw.device.mpu6050.internal;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Cost of decoding one 14-byte sample into physical units. Run with runtime/bench/mpu6050. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecodeBenchmark {
  private final byte[][] samples = new byte[1024][14];
  private final double[] accelOffset = {0.01, -0.02, 0.03};
  private final double[] gyroOffset = {0.5, -0.4, 0.3};
  private int next;

  @Setup
  public void prepare() {
    SplittableRandom random = new SplittableRandom(1);
    for (byte[] sample : samples) {
      for (int i = 0; i < sample.length; i++) sample[i] = (byte) random.nextInt(256);
    }
  }

  @Benchmark
  public Sample decode() {
    byte[] raw = samples[next++ & 1023];
    return Sample.decode(raw, 1, 1, accelOffset, gyroOffset);
  }
}
