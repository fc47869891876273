package io.sensorgw.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.SensorState;
import io.sensorgw.api.Value;
import io.sensorgw.concurrent.ManagedExecutor;
import io.sensorgw.testing.Await;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Faults are states: a bad configuration and an absent device, as a driver meets them. */
class DeviceSensorTest {
  private final List<Reading> published = new CopyOnWriteArrayList<>();
  private final AtomicInteger deviceAccesses = new AtomicInteger();
  private final List<Sensor> sensors = new CopyOnWriteArrayList<>();

  /** A driver in miniature: built from a check, optionally opening its device in the background. */
  private final class Sensor extends DeviceSensor {
    final boolean configured;

    Sensor(ConfigCheck check, boolean streaming) {
      SensorInfo info =
          new SensorInfo(
              check.sensorId(() -> "dev-1"),
              "testdev",
              "distance",
              true,
              check.maxAge(() -> 0),
              "unit test");
      ManagedExecutor executor = new ManagedExecutor(info.id(), 1, 8);
      SensorReader reader =
          streaming
              ? SensorReader.streaming(info, executor, Duration.ofMinutes(2), published::add)
              : new SensorReader(
                  info,
                  executor,
                  Duration.ofMinutes(2),
                  () -> {
                    deviceAccesses.incrementAndGet();
                    return Measurement.of(Quality.SIMULATED, Map.of("distance", Value.of(1, "cm")));
                  },
                  published::add);
      configured = attach(reader, executor, check);
      sensors.add(this);
    }

    void open(DeviceOpening opening, Runnable whenOpen) {
      openInBackground(opening, whenOpen);
    }

    SensorReader readerForTest() {
      return reader();
    }
  }

  @AfterEach
  void detach() {
    for (Sensor sensor : sensors) sensor.detach(Duration.ofSeconds(30));
  }

  private static Throwable failureOf(CompletableFuture<Reading> read) {
    assertTrue(read.isDone(), "failed at once, without waiting for the device");
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> read.get(0, TimeUnit.SECONDS));
    return failed.getCause();
  }

  @Test
  void aBadConfigurationIsAnErrorStateWithItsReasonAndReadsFailAtOnce() {
    ConfigCheck check = new ConfigCheck(Map.of());
    check.intIn("sample.rate.hz", () -> 0, 4, 1000);
    check.readTimeout(() -> -1);
    for (boolean streaming : new boolean[] {false, true}) {
      Sensor sensor = new Sensor(check, streaming);
      assertEquals(false, sensor.configured);
      assertEquals(SensorState.ERROR, sensor.state());
      assertEquals(
          "sample.rate.hz must be 4..1000, was 0; read.timeout.ms must be 1..300000, was -1",
          sensor.stateReason());
      Throwable cause = failureOf(sensor.readerForTest().read());
      assertEquals(sensor.stateReason(), cause.getMessage());
      // Nothing reaches the device or its executor, and a streaming device's offers change nothing.
      assertEquals(
          null,
          sensor
              .readerForTest()
              .offer(Measurement.of(Quality.SIMULATED, Map.of()), Instant.now(), Duration.ZERO));
      sensor.readerForTest().fail(new IOException("port gone"));
      assertEquals(SensorState.ERROR, sensor.state());
      assertEquals(
          "sample.rate.hz must be 4..1000, was 0; read.timeout.ms must be 1..300000, was -1",
          sensor.stateReason());
      assertEquals(0, sensor.executorStats().completed());
    }
    assertEquals(0, deviceAccesses.get());
    assertEquals(List.of(), published);
  }

  @Test
  void aBadSensorIdIsRegisteredUnderAPlaceholderInError() {
    ConfigCheck check = new ConfigCheck(Map.of());
    String id = check.sensorId(() -> "front door");
    Sensor sensor = new Sensor(check, false);
    assertEquals("invalid-front_door", id);
    assertEquals(SensorState.ERROR, sensor.state());
    assertTrue(
        sensor.stateReason().startsWith("sensor.id must be 1..64 characters"),
        sensor.stateReason());
  }

  @Test
  void aGoodConfigurationStartsNormally() throws Exception {
    Sensor sensor = new Sensor(new ConfigCheck(Map.of()), false);
    assertTrue(sensor.configured);
    assertEquals(SensorState.STARTING, sensor.state());
    assertEquals("", sensor.stateReason());
    assertEquals(1, sensor.read().toCompletableFuture().get(2, TimeUnit.MINUTES).sequence());
    assertEquals(SensorState.OK, sensor.state());
  }

  @Test
  void anAbsentDeviceIsAnErrorWithItsReasonRetriedUntilItAppears() throws Exception {
    Sensor sensor = new Sensor(new ConfigCheck(Map.of()), false);
    AtomicBoolean present = new AtomicBoolean();
    AtomicInteger attempts = new AtomicInteger();
    AtomicInteger opened = new AtomicInteger();
    Thread activation = Thread.currentThread();
    sensor.open(
        () -> {
          assertTrue(Thread.currentThread() != activation, "opened off the activating thread");
          attempts.incrementAndGet();
          if (!present.get()) throw new IOException("no device at I2C bus 1 address 0x68");
        },
        opened::incrementAndGet);

    Await.until(sensor::state, s -> s == SensorState.ERROR, "error while absent");
    assertEquals("no device at I2C bus 1 address 0x68", sensor.stateReason());
    Throwable cause = failureOf(sensor.readerForTest().read());
    assertEquals("no device at I2C bus 1 address 0x68", cause.getMessage());
    Await.until(attempts::get, n -> n >= 3, "retries while absent");
    assertEquals(0, opened.get());
    assertEquals(0, deviceAccesses.get());

    present.set(true); // plugged in: no reconfiguration
    Await.until(opened::get, n -> n == 1, "opened once the device appeared");
    assertEquals(SensorState.STARTING, sensor.state());
    assertEquals("", sensor.stateReason());
    Reading reading = sensor.read().toCompletableFuture().get(2, TimeUnit.MINUTES);
    assertSame(reading, published.get(0));
    assertEquals(SensorState.OK, sensor.state());
    assertTrue(sensor.metrics().get("openFailures").longValue() >= 2, sensor.metrics().toString());
    assertTrue(
        sensor.metricDescriptions().keySet().containsAll(sensor.metrics().keySet()),
        "every metric described, so /metrics knows counters from gauges: " + sensor.metrics());
  }

  @Test
  void aReadBeforeTheFirstOpeningWaitsForItAndFailsWithItsReason() throws Exception {
    Sensor sensor = new Sensor(new ConfigCheck(Map.of()), false);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    sensor.open(
        () -> {
          release.await(2, TimeUnit.MINUTES);
          throw new IOException("WHO_AM_I is 0x70, expected 0x68");
        },
        () -> {});
    CompletableFuture<Reading> early = sensor.readerForTest().read(); // queued behind the opening
    release.countDown();
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> early.get(2, TimeUnit.MINUTES));
    assertEquals(0, deviceAccesses.get(), "the device was never read: " + failed.getCause());
    Await.until(
        sensor::stateReason,
        r -> r.equals("WHO_AM_I is 0x70, expected 0x68"),
        "the opening's reason");
  }

  @Test
  void detachingEndsTheRetries() throws Exception {
    Sensor sensor = new Sensor(new ConfigCheck(Map.of()), false);
    AtomicInteger attempts = new AtomicInteger();
    sensor.open(
        () -> {
          attempts.incrementAndGet();
          throw new IOException("absent");
        },
        () -> {});
    Await.until(attempts::get, n -> n >= 1, "a first attempt");
    sensors.remove(sensor);
    assertTrue(sensor.detach(Duration.ofMinutes(1)), "threads ended");
    assertEquals(SensorState.STOPPED, sensor.state());
  }
}
