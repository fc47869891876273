package io.sensorgw.device.tfluna.internal;

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

/** Faults are states: a bad setting leaves the TF-Luna registered, in error, saying why. */
class TfLunaFaultStatesTest {
  private final List<TfLunaSensor> started = new ArrayList<>();
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
    started.forEach(TfLunaSensor::deactivate);
  }

  /**
   * Metatype defaults, some overridden; a RuntimeException value is thrown, as for an unconvertible
   * value.
   */
  private TfLunaSensor sensor(Map<String, Object> properties, Object... overrides) {
    Map<String, Object> values = new HashMap<>();
    for (int i = 0; i < overrides.length; i += 2)
      values.put((String) overrides[i], overrides[i + 1]);
    TfLunaConfig config =
        (TfLunaConfig)
            Proxy.newProxyInstance(
                TfLunaConfig.class.getClassLoader(),
                new Class<?>[] {TfLunaConfig.class},
                (proxy, method, args) -> {
                  Object value =
                      values.containsKey(method.getName())
                          ? values.get(method.getName())
                          : method.getDefaultValue();
                  if (value instanceof RuntimeException unconvertible) throw unconvertible;
                  return value;
                });
    TfLunaSensor sensor = new TfLunaSensor(config, properties, publisher);
    started.add(sensor);
    return sensor;
  }

  private static void assertErrorAtOnce(TfLunaSensor sensor, String reason) {
    assertEquals(SensorState.ERROR, sensor.state());
    assertEquals(reason, sensor.stateReason());
    CompletableFuture<Reading> read = sensor.read().toCompletableFuture();
    assertTrue(read.isDone(), "the read failed at once");
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> read.get(0, TimeUnit.SECONDS));
    assertEquals(reason, failed.getCause().getMessage());
  }

  @Test
  void aNegativeReadTimeoutIsAnErrorWithOneLineAndACorrectedOneIsOk() throws Exception {
    TfLunaSensor bad =
        sensor(Map.of(), "sensor_id", "lidar", "mode", "simulated", "read_timeout_ms", -1L);
    assertErrorAtOnce(bad, "read.timeout.ms must be 1..300000, was -1");
    assertEquals(0L, bad.metrics().get("frames").longValue(), "the device loop never started");

    TfLunaSensor corrected =
        sensor(Map.of(), "sensor_id", "lidar", "mode", "simulated", "read_timeout_ms", 1000L);
    Reading reading = corrected.read().toCompletableFuture().get(2, TimeUnit.MINUTES);
    assertTrue(reading.values().containsKey("distance"), reading.toString());
    assertEquals(SensorState.OK, corrected.state());
    assertEquals("", corrected.stateReason());
  }

  @Test
  void unconvertibleAndOutOfRangeValuesAreNamedAsConfigured() {
    TfLunaSensor bad =
        sensor(
            Map.of("output.rate.hz", "1e9"),
            "mode",
            "serial",
            "output_rate_hz",
            new IllegalArgumentException("cannot coerce 1e9"),
            "baud_rate",
            -115200,
            "max_age_ms",
            -1L,
            "publish_interval_ms",
            -1L,
            "output_format",
            "inch",
            "port",
            "");
    assertErrorAtOnce(
        bad,
        "mode must be hardware or simulated, was \"serial\"; port must not be empty; "
            + "baud.rate must be 9600..921600, was -115200; output.rate.hz must be a whole number in 1..250, was 1e9; "
            + "output.format must be cm or mm, was \"inch\"; publish.interval.ms must be 0..86400000, was -1; "
            + "max.age.ms must be 0..3600000, was -1");
  }

  @Test
  void aBadIdIsRegisteredUnderAPlaceholderInError() {
    TfLunaSensor bad = sensor(Map.of(), "sensor_id", "x".repeat(65), "mode", "simulated");
    assertEquals("invalid-" + "x".repeat(56), bad.info().id());
    assertEquals(SensorState.ERROR, bad.state());
  }
}
