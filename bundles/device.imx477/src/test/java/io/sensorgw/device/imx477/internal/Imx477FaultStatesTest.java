package io.sensorgw.device.imx477.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorState;
import io.sensorgw.fanout.ReadingPublisher;
import io.sensorgw.vision.FrameAnalysis;
import io.sensorgw.vision.FrameAnalyzer;
import io.sensorgw.vision.LaserDot;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.opencv.core.Mat;

/** Faults are states: a bad setting leaves the camera registered, in error, saying why. */
class Imx477FaultStatesTest {
  private final List<Imx477Sensor> started = new ArrayList<>();
  private final ReadingPublisher publisher =
      new ReadingPublisher() {
        @Override
        public void publish(Reading reading) {}

        @Override
        public List<ListenerStats> listenerStats() {
          return List.of();
        }
      };

  /** The frame's size only: this test is about configuration, not vision. */
  private final FrameAnalyzer analyzer =
      new FrameAnalyzer() {
        @Override
        public FrameAnalysis analyze(Mat bgr) {
          return new FrameAnalysis(0, 0, LaserDot.NONE, bgr.cols(), bgr.rows(), Duration.ZERO);
        }

        @Override
        public Mat overlay(Mat bgr, FrameAnalysis analysis) {
          return bgr.clone();
        }
      };

  @AfterEach
  void deactivate() {
    started.forEach(Imx477Sensor::deactivate);
  }

  /**
   * Metatype defaults, some overridden; a RuntimeException value is thrown, as for an unconvertible
   * value.
   */
  private Imx477Sensor sensor(Map<String, Object> properties, Object... overrides) {
    Map<String, Object> values = new HashMap<>();
    for (int i = 0; i < overrides.length; i += 2)
      values.put((String) overrides[i], overrides[i + 1]);
    Imx477Config config =
        (Imx477Config)
            Proxy.newProxyInstance(
                Imx477Config.class.getClassLoader(),
                new Class<?>[] {Imx477Config.class},
                (proxy, method, args) -> {
                  Object value =
                      values.containsKey(method.getName())
                          ? values.get(method.getName())
                          : method.getDefaultValue();
                  if (value instanceof RuntimeException unconvertible) throw unconvertible;
                  return value;
                });
    Imx477Sensor sensor = new Imx477Sensor(config, properties, publisher, analyzer);
    started.add(sensor);
    return sensor;
  }

  private static void assertErrorAtOnce(Imx477Sensor sensor, String reason) {
    assertEquals(SensorState.ERROR, sensor.state());
    assertEquals(reason, sensor.stateReason());
    CompletableFuture<Reading> read = sensor.read().toCompletableFuture();
    assertTrue(read.isDone(), "the read failed at once");
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> read.get(0, TimeUnit.SECONDS));
    assertEquals(reason, failed.getCause().getMessage());
    CompletableFuture<byte[]> frame = sensor.frameJpeg(false).toCompletableFuture();
    assertTrue(frame.isCompletedExceptionally(), "no frame either");
  }

  @Test
  void aNegativeCaptureTimeoutIsAnErrorWithOneLineAndACorrectedOneIsOk() throws Exception {
    Imx477Sensor bad =
        sensor(
            Map.of(), "sensor_id", "cam", "width", 160, "height", 120, "capture_timeout_ms", -5L);
    assertErrorAtOnce(bad, "capture.timeout.ms must be 100..900000, was -5");
    assertEquals(0L, bad.metrics().get("framesAnalysed").longValue());

    Imx477Sensor corrected =
        sensor(
            Map.of(),
            "sensor_id",
            "cam",
            "width",
            160,
            "height",
            120,
            "capture_timeout_ms",
            15_000L,
            "simulation_capture_ms",
            0L);
    Reading reading = corrected.read().toCompletableFuture().get(2, TimeUnit.MINUTES);
    assertEquals(160.0, reading.values().get("frame_width").value());
    assertEquals(SensorState.OK, corrected.state());
    assertEquals("", corrected.stateReason());
  }

  @Test
  void everyBadValueIsNamedInTheOneLine() {
    Imx477Sensor bad =
        sensor(
            Map.of("width", "wide"),
            "backend",
            "still",
            "still_command",
            " ",
            "width",
            new IllegalArgumentException("cannot coerce wide"),
            "height",
            5000,
            "max_age_ms",
            -1L);
    assertErrorAtOnce(
        bad,
        "width must be a whole number in 16..4056, was wide; height must be 16..3040, was 5000; "
            + "max.age.ms must be 0..3600000, was -1; still.command must not be empty");
  }

  @Test
  void anUnknownBackendIsAProblemAndNothingStarts() {
    Imx477Sensor bad = sensor(Map.of(), "backend", "gopro");
    assertErrorAtOnce(bad, "backend must be simulated, still, stream or v4l2, was \"gopro\"");
  }
}
