package io.sensorgw.device.mpu6050.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorState;
import io.sensorgw.fanout.ReadingPublisher;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The driver against the simulated chip on Pi4J's mock I2C, outside OSGi. */
class Mpu6050SensorTest {
  /** Bound of every wait: generous for a busy machine; the normal case returns at once. */
  private static final long BOUND_S = 120;

  private final List<Reading> published = new CopyOnWriteArrayList<>();
  private final ReadingPublisher publisher =
      new ReadingPublisher() {
        @Override
        public void publish(Reading reading) {
          published.add(reading);
        }

        @Override
        public List<ListenerStats> listenerStats() {
          return List.of();
        }
      };

  /** A typed configuration with the metatype defaults, some values overridden. */
  static Mpu6050Config config(Object... overrides) {
    Map<String, Object> values = new HashMap<>();
    for (int i = 0; i < overrides.length; i += 2)
      values.put((String) overrides[i], overrides[i + 1]);
    return (Mpu6050Config)
        Proxy.newProxyInstance(
            Mpu6050Config.class.getClassLoader(),
            new Class<?>[] {Mpu6050Config.class},
            (proxy, method, args) ->
                values.containsKey(method.getName())
                    ? values.get(method.getName())
                    : method.getDefaultValue());
  }

  @Test
  void startUpChecksWhoAmIWakesAndConfiguresRegisterByRegister() throws Exception {
    Mpu6050Sensor sensor =
        new Mpu6050Sensor(
            config(
                "mode",
                "simulated",
                "accel_range_g",
                8,
                "gyro_range_dps",
                500,
                "dlpf",
                3,
                "sample_rate_hz",
                100,
                "read_timeout_ms",
                BOUND_S * 1000), // not the default 500 ms
            Map.of(),
            publisher,
            null);
    try {
      // The chip is opened on the sensor's executor, not in the constructor.
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (sensor.i2c() == null) {
        assertTrue(
            System.nanoTime() < deadline, "chip opened within 2 minutes: " + sensor.stateReason());
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      List<int[]> writes = ((SimulatedChip) sensor.i2c()).writes();
      assertEquals(5, writes.size());
      assertArrayEquals(new int[] {0x6B, 0x00}, writes.get(0), "wake: PWR_MGMT_1 = 0");
      assertArrayEquals(new int[] {0x19, 9}, writes.get(1), "SMPLRT_DIV: 1 kHz / (1 + 9) = 100 Hz");
      assertArrayEquals(new int[] {0x1A, 3}, writes.get(2), "CONFIG: DLPF 44 Hz");
      assertArrayEquals(new int[] {0x1B, 1 << 3}, writes.get(3), "GYRO_CONFIG: ±500 °/s");
      assertArrayEquals(new int[] {0x1C, 2 << 3}, writes.get(4), "ACCEL_CONFIG: ±8 g");

      Reading reading = sensor.read().toCompletableFuture().get(BOUND_S, TimeUnit.SECONDS);
      assertEquals(Quality.SIMULATED, reading.quality());
      double z = reading.values().get("accel_z").value();
      assertTrue(z > 0.9 && z < 1.01, "gravity on Z: " + z);
      assertEquals(z * 9.80665, reading.values().get("accel_z_ms2").value(), 1e-9);
      double celsius = reading.values().get("temperature").value();
      assertTrue(celsius > 30 && celsius < 32, "die temperature " + celsius);
      assertEquals(List.of(reading), published);
    } finally {
      sensor.deactivate();
    }
  }

  @Test
  void wrongWhoAmIIsAnErrorStateWithAClearReason() throws Exception {
    // Activation does not fail: the sensor stays registered, in error, saying why.
    Mpu6050Sensor sensor =
        new Mpu6050Sensor(
            config("mode", "simulated", "simulation_who_am_i", 0x70), Map.of(), publisher, null);
    try {
      ExecutionException error =
          assertThrows(
              ExecutionException.class,
              () -> sensor.read().toCompletableFuture().get(2, TimeUnit.MINUTES));
      assertTrue(
          error.getCause().getMessage().contains("WHO_AM_I is 0x70, expected 0x68"),
          error.getMessage());
      assertEquals(SensorState.ERROR, sensor.state());
      assertTrue(
          sensor.stateReason().contains("WHO_AM_I is 0x70, expected 0x68"), sensor.stateReason());
    } finally {
      sensor.deactivate();
    }
  }

  @Test
  void samplingAtOneKilohertzDownsamplesPublication() throws Exception {
    long started = System.nanoTime();
    Mpu6050Sensor sensor =
        new Mpu6050Sensor(
            config(
                "mode",
                "simulated",
                "sampling_interval_ms",
                1L,
                "publish_interval_ms",
                100L,
                "read_timeout_ms",
                BOUND_S * 1000), // the default 500 ms only holds on an idle machine
            Map.of(),
            publisher,
            null);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BOUND_S);
      while (sensor.metrics().get("acquisitions").longValue() < 500) {
        assertTrue(System.nanoTime() < deadline, "500 samples within " + BOUND_S + " s");
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      long acquisitions = sensor.metrics().get("acquisitions").longValue();
      long publishedCount = sensor.metrics().get("published").longValue();
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      // At most one per 100 ms since the start, however fast the machine sampled: the bound is
      // taken from the time that really passed, not from an assumed sampling rate.
      assertTrue(
          publishedCount <= 1 + elapsedMs / 100,
          "at most one in 100 ms published: " + publishedCount + " in " + elapsedMs + " ms");
      assertTrue(
          sensor.metrics().get("notPublished").longValue() > 0,
          "samples were held back: " + publishedCount + " of " + acquisitions + " published");
      // The latest reading is the latest sample, whatever was published.
      Reading latest = sensor.read().toCompletableFuture().get(BOUND_S, TimeUnit.SECONDS);
      assertTrue(latest.sequence() >= acquisitions);
    } finally {
      sensor.deactivate();
    }
  }
}
