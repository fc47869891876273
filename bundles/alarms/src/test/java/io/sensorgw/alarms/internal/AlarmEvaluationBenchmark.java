package io.sensorgw.alarms.internal;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Rule evaluation per reading with 100 rules configured: spread over 10 sensors (a reading meets 10
 * rules) or all on one sensor (a reading meets all 100). Value rules with hysteresis and a delay,
 * and one stale rule per sensor; the values follow a slow wave, so alarms are raised and cleared
 * now and then as in use (each change is recorded and handed to the listeners, none registered
 * here). One operation is one reading. Run with runtime/bench/alarms.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AlarmEvaluationBenchmark {
  static final int RULES = 100;
  static final int READINGS = 10_000;

  @Param({"10", "1"})
  public int sensors;

  private AlarmEngine engine;
  private Reading[] readings;

  @Setup
  public void prepare() {
    engine = new AlarmEngine(Clock.systemUTC(), id -> null, alarm -> {});
    for (int i = 0; i < RULES; i++) {
      String sensor = "tfluna-" + (i % sensors);
      Map<String, Object> config = new HashMap<>();
      config.put("name", "rule-" + i);
      config.put("sensor", sensor);
      if (i < sensors) {
        config.put("stale.ms", "5000");
      } else {
        config.put("value", "distance");
        config.put("below", Integer.toString(20 + i % 40));
        config.put("clear.above", Integer.toString(25 + i % 40));
        config.put("for.ms", "50");
      }
      String refused = engine.putRule("pid-" + i, config);
      if (!refused.isEmpty()) throw new IllegalStateException(refused);
    }
    readings = new Reading[READINGS];
    Instant start = Instant.parse("2026-12-01T10:00:00Z");
    for (int i = 0; i < READINGS; i++) {
      double distance = 150 + 130 * Math.sin(2 * Math.PI * i / 2000.0);
      readings[i] =
          new Reading(
              "tfluna-" + (i % sensors),
              i + 1,
              start.plusMillis(i * 10L),
              Map.of(
                  "distance",
                  Value.of(distance, "cm"),
                  "amplitude",
                  Value.of(900, ""),
                  "temperature",
                  Value.of(41.5, "°C")),
              Quality.OK,
              Duration.ofNanos(50_000),
              "");
    }
  }

  @Benchmark
  @OperationsPerInvocation(READINGS)
  public void evaluate() {
    for (Reading reading : readings) engine.onReading(reading);
  }
}
