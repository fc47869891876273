package io.sensorgw.device.hcsr04.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorState;
import io.sensorgw.fanout.ReadingPublisher;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Faults are states: a bad setting leaves the HC-SR04 registered, in error, saying why. */
class Hcsr04FaultStatesTest {
  private final List<Hcsr04Sensor> started = new ArrayList<>();
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
    started.forEach(Hcsr04Sensor::deactivate);
  }

  /**
   * Metatype defaults, some overridden; a RuntimeException value is thrown, as for an unconvertible
   * value.
   */
  private Hcsr04Sensor sensor(Map<String, Object> properties, Object... overrides) {
    Map<String, Object> values = new HashMap<>();
    for (int i = 0; i < overrides.length; i += 2)
      values.put((String) overrides[i], overrides[i + 1]);
    Hcsr04Config config =
        (Hcsr04Config)
            Proxy.newProxyInstance(
                Hcsr04Config.class.getClassLoader(),
                new Class<?>[] {Hcsr04Config.class},
                (proxy, method, args) -> {
                  Object value =
                      values.containsKey(method.getName())
                          ? values.get(method.getName())
                          : method.getDefaultValue();
                  if (value instanceof RuntimeException unconvertible) throw unconvertible;
                  return value;
                });
    Hcsr04Sensor sensor = new Hcsr04Sensor(config, properties, publisher);
    started.add(sensor);
    return sensor;
  }

  private static void assertErrorAtOnce(Hcsr04Sensor sensor, String reason) {
    assertEquals(SensorState.ERROR, sensor.state());
    assertEquals(reason, sensor.stateReason());
    CompletableFuture<Reading> read = sensor.read().toCompletableFuture();
    assertTrue(read.isDone(), "the read failed at once");
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> read.get(0, TimeUnit.SECONDS));
    assertEquals(reason, failed.getCause().getMessage());
  }

  @Test
  void aZeroExpectedIntervalIsAnErrorWithOneLineAndACorrectedOneIsOk() throws Exception {
    Hcsr04Sensor bad = sensor(Map.of(), "sensor_id", "sonar", "expected_interval_ms", 0L);
    assertErrorAtOnce(bad, "expected.interval.ms must be 10..60000, was 0");
    assertEquals(
        0L, bad.metrics().get("notifications").longValue(), "the simulation never started");

    Hcsr04Sensor corrected = sensor(Map.of(), "sensor_id", "sonar", "expected_interval_ms", 70L);
    Reading reading = corrected.read().toCompletableFuture().get(2, TimeUnit.MINUTES);
    assertEquals("sonar", reading.sensorId());
    assertTrue(
        corrected.state() == SensorState.OK, corrected.state() + " " + corrected.stateReason());
  }

  @Test
  void everyBadValueIsNamedInTheOneLine() {
    Hcsr04Sensor bad =
        sensor(
            Map.of("temperature.c", "warm"),
            "mode",
            "ble",
            "adapter",
            "bluetooth0",
            "device_address",
            "24:0A:C4",
            "service_uuid",
            "not-a-uuid",
            "payload_format",
            "json",
            "temperature_c",
            new IllegalArgumentException("cannot coerce warm"),
            "max_age_ms",
            -1L);
    assertErrorAtOnce(
        bad,
        "adapter must be hci followed by a number, e.g. hci0, was \"bluetooth0\"; "
            + "device.address must be a Bluetooth address such as 24:0A:C4:12:34:56, was \"24:0A:C4\"; "
            + "service.uuid must be a UUID, was \"not-a-uuid\"; "
            + "payload.format must be uint16le-mm, ascii-cm, float32le-cm or uint32le-echo-us, was \"json\"; "
            + "temperature.c must be a finite number in -40..85, was warm; max.age.ms must be 0..3600000, was -1; "
            + "give device.address or device.name");
  }

  @Test
  void aNaNTemperatureIsAProblemToo() {
    Hcsr04Sensor bad = sensor(Map.of(), "temperature_c", Double.NaN);
    assertErrorAtOnce(bad, "temperature.c must be a finite number in -40..85, was NaN");
  }
}
