package io.sensorgw.device.mpu6050.internal;

import io.sensorgw.api.Reading;
import io.sensorgw.fanout.ReadingPublisher;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * End-to-end sampling at 1 kHz: the driver on the simulated chip (Pi4J mock I2C), sampled every
 * millisecond on its own executor, every sample published. Prints the achieved rate and the
 * interval jitter (distance of each interval from 1 ms) percentiles. Run with
 * runtime/bench/mpu6050.
 */
public final class SamplingBenchmark {
  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    long[] stamps = new long[seconds * 2000 + 1000];
    AtomicInteger count = new AtomicInteger();
    ReadingPublisher publisher =
        new ReadingPublisher() {
          @Override
          public void publish(Reading reading) {
            int i = count.getAndIncrement();
            if (i < stamps.length) stamps[i] = System.nanoTime();
          }

          @Override
          public List<ListenerStats> listenerStats() {
            return List.of();
          }
        };
    Mpu6050Sensor sensor =
        new Mpu6050Sensor(
            Mpu6050SensorTest.config("mode", "simulated", "sampling_interval_ms", 1L),
            Map.of(),
            publisher,
            null);
    TimeUnit.SECONDS.sleep(2); // warm-up, then measure a fresh window
    int start = count.get();
    long begin = System.nanoTime();
    TimeUnit.SECONDS.sleep(seconds); // the measurement window itself
    int end = Math.min(count.get(), stamps.length);
    long elapsed = System.nanoTime() - begin;
    sensor.deactivate();

    double rate = (end - start) / (elapsed / 1e9);
    double[] jitterUs = new double[end - start - 1];
    for (int i = start + 1; i < end; i++) {
      jitterUs[i - start - 1] = Math.abs((stamps[i] - stamps[i - 1]) / 1e3 - 1000);
    }
    Arrays.sort(jitterUs);
    System.out.printf(
        "samples: %d in %.2f s = %.1f samples/s (target 1000)%n", end - start, elapsed / 1e9, rate);
    System.out.printf(
        "interval jitter |interval - 1 ms|: p50 %.0f µs, p99 %.0f µs, max %.0f µs%n",
        percentile(jitterUs, 0.50), percentile(jitterUs, 0.99), jitterUs[jitterUs.length - 1]);
  }

  private static double percentile(double[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }
}
