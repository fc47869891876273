package io.sensorgw.device.mpu6050.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorState;
import io.sensorgw.fanout.ReadingPublisher;
import io.sensorgw.testing.Await;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults are states: a bad setting or an absent chip leaves the sensor registered, in error, saying
 * why.
 */
class Mpu6050FaultStatesTest {
  private final List<Mpu6050Sensor> started = new ArrayList<>();
  private final ReadingPublisher publisher =
      new ReadingPublisher() {
        @Override
        public void publish(Reading reading) {}

        @Override
        public List<ListenerStats> listenerStats() {
          return List.of();
        }
      };

  @AfterEach
  void deactivate() {
    started.forEach(Mpu6050Sensor::deactivate);
  }

  /**
   * A sensor from a typed configuration with the metatype defaults and some values overridden; a
   * RuntimeException as a value is thrown, as a typed configuration does for a value it cannot
   * convert.
   */
  private Mpu6050Sensor sensor(Map<String, Object> properties, Object... overrides) {
    Map<String, Object> values = new HashMap<>();
    for (int i = 0; i < overrides.length; i += 2)
      values.put((String) overrides[i], overrides[i + 1]);
    Mpu6050Config config =
        (Mpu6050Config)
            Proxy.newProxyInstance(
                Mpu6050Config.class.getClassLoader(),
                new Class<?>[] {Mpu6050Config.class},
                (proxy, method, args) -> {
                  Object value =
                      values.containsKey(method.getName())
                          ? values.get(method.getName())
                          : method.getDefaultValue();
                  if (value instanceof RuntimeException unconvertible) throw unconvertible;
                  return value;
                });
    Mpu6050Sensor sensor = new Mpu6050Sensor(config, properties, publisher, null);
    started.add(sensor);
    return sensor;
  }

  /** The sensor is in error with {@code reason}, and a read fails at once with it. */
  private static void assertErrorAtOnce(Mpu6050Sensor sensor, String reason) {
    assertEquals(SensorState.ERROR, sensor.state());
    assertEquals(reason, sensor.stateReason());
    CompletableFuture<Reading> read = sensor.read().toCompletableFuture();
    assertTrue(read.isDone(), "the read failed at once");
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> read.get(0, TimeUnit.SECONDS));
    assertEquals(reason, failed.getCause().getMessage());
  }

  private static Reading read(Mpu6050Sensor sensor) throws Exception {
    return sensor.read().toCompletableFuture().get(2, TimeUnit.MINUTES);
  }

  @Test
  void aBadSampleRateIsAnErrorWithOneLineAndACorrectedOneIsOk() throws Exception {
    Mpu6050Sensor bad =
        sensor(Map.of(), "sensor_id", "imu-rate", "mode", "simulated", "sample_rate_hz", 0);
    assertErrorAtOnce(bad, "sample.rate.hz must be 4..1000, was 0");
    assertNull(bad.i2c(), "the chip is never touched with a bad configuration");
    assertEquals("imu-rate", bad.info().id());

    Mpu6050Sensor corrected =
        sensor(Map.of(), "sensor_id", "imu-rate", "mode", "simulated", "sample_rate_hz", 100);
    // Opening the chip (Pi4J's first context) can outlast a read's 500 ms on a busy machine.
    Await.until(() -> corrected.i2c() != null, "the corrected configuration's chip opened");
    assertEquals(Quality.SIMULATED, read(corrected).quality());
    assertEquals(SensorState.OK, corrected.state());
    assertEquals("", corrected.stateReason());
  }

  @Test
  void everyBadValueIsNamedInTheOneLine() {
    Mpu6050Sensor bad =
        sensor(
            Map.of("accel.offset.g", "NaN", "i2c.bus", "one"),
            "mode",
            "simulated",
            "accel_offset_g",
            new double[] {Double.NaN},
            "read_timeout_ms",
            -1L,
            "max_age_ms",
            -1L,
            "publish_interval_ms",
            -5L,
            "i2c_bus",
            new IllegalArgumentException("cannot coerce 'one'"),
            "gyro_offset_dps",
            new double[] {0, Double.POSITIVE_INFINITY, 0},
            "dlpf",
            7,
            "accel_range_g",
            3);
    assertErrorAtOnce(
        bad,
        "i2c.bus must be a whole number in 0..255, was one; "
            + "accel.range.g must be 2, 4, 8 or 16, was 3; dlpf must be 0..6, was 7; "
            + "publish.interval.ms must be 0..86400000, was -5; max.age.ms must be 0..3600000, was -1; "
            + "read.timeout.ms must be 1..300000, was -1; accel.offset.g must be 3 finite numbers in -16..16, was NaN; "
            + "gyro.offset.dps must be 3 finite numbers in -2000..2000, was 0,Infinity,0");
  }

  @Test
  void aBadIdIsRegisteredUnderAPlaceholderInError() {
    Mpu6050Sensor bad = sensor(Map.of(), "sensor_id", "imu on the roof", "mode", "simulated");
    assertEquals("invalid-imu_on_the_roof", bad.info().id());
    assertErrorAtOnce(
        bad, "sensor.id must be 1..64 characters of A-Z a-z 0-9 . _ -, was \"imu on the roof\"");
  }

  @Test
  void aChipAbsentAtStartIsAnErrorUntilItAppearsWithoutReconfiguration(@TempDir Path dir)
      throws Exception {
    Path plugged = dir.resolve("plugged-in");
    Mpu6050Sensor sensor =
        sensor(
            Map.of(),
            "sensor_id",
            "imu-late",
            "mode",
            "simulated",
            "simulation_presence_file",
            plugged.toString());
    Await.until(() -> sensor.state() == SensorState.ERROR, "error while the chip is absent");
    String reason = sensor.stateReason();
    assertEquals(
        "MPU-6050 on I2C bus 1 address 0x68: no answer (simulated chip absent: "
            + plugged
            + " does not exist)",
        reason);
    assertErrorAtOnce(sensor, reason);
    Await.until(
        () -> sensor.metrics().get("openFailures").longValue() >= 2, "retries while absent");

    Files.createFile(plugged);
    Await.until(() -> sensor.i2c() != null, "the chip opened once it appeared");
    Reading reading = read(sensor);
    assertEquals(Quality.SIMULATED, reading.quality());
    assertEquals(SensorState.OK, sensor.state());
    assertEquals("", sensor.stateReason());
  }
}
