package io.sensorgw.reporting;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import io.sensorgw.reporting.ReportingRule.Report;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Cost of the reporting decision per reading, as the fan-out makes it: the sensor's reporter looked
 * up by id, then its rules. 100 rules in all: {@code fleet} spreads them over 20 sensors (5 each: a
 * deadband, a percent deadband with a heartbeat, a mean window, a median window, a minimum
 * interval); {@code oneSensor} puts all 100 on one sensor, the worst case. Readings have three
 * values and arrive 10 ms apart per sensor. One operation is one reading. Run with
 * runtime/bench/reporting.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ReportingBenchmark {
  static final int READINGS = 100_000;
  private final Map<String, Reporter> fleet = new HashMap<>();
  private final Map<String, Reporter> oneSensor = new HashMap<>();
  private Reading[] fleetReadings;
  private Reading[] oneSensorReadings;

  private static List<ReportingRule> fiveRules(String value) {
    Duration none = Duration.ZERO;
    return List.of(
        new ReportingRule(value, Report.ON_CHANGE, 2, 0, none, none, Aggregate.NONE, 0, none),
        new ReportingRule(
            value, Report.ON_CHANGE, 0, 5, none, Duration.ofSeconds(1), Aggregate.NONE, 0, none),
        new ReportingRule(value, Report.ON_CHANGE, 1, 0, none, none, Aggregate.MEAN, 10, none),
        new ReportingRule(
            value, Report.ALWAYS, 0, 0, none, none, Aggregate.MEDIAN, 0, Duration.ofMillis(200)),
        new ReportingRule(
            value, Report.ALWAYS, 0, 0, Duration.ofMillis(500), none, Aggregate.NONE, 0, none));
  }

  private static Reading[] readings(int sensors) {
    SplittableRandom random = new SplittableRandom(1);
    Instant start = Instant.parse("2026-12-02T00:00:00Z");
    Reading[] readings = new Reading[READINGS];
    for (int i = 0; i < READINGS; i++) {
      int sensor = i % sensors;
      long perSensor = i / sensors;
      Map<String, Value> values = new LinkedHashMap<>();
      values.put(
          "distance",
          Value.of(150 + 100 * Math.sin(perSensor / 200.0) + random.nextDouble(-1.5, 1.5), "cm"));
      values.put("amplitude", Value.of(random.nextInt(100, 3000), ""));
      values.put("temperature", Value.of(38 + random.nextDouble(), "°C"));
      readings[i] =
          new Reading(
              "sensor-" + sensor,
              perSensor + 1,
              start.plusMillis(perSensor * 10),
              values,
              Quality.SIMULATED,
              Duration.ZERO,
              "");
    }
    return readings;
  }

  @Setup
  public void prepare() {
    for (int sensor = 0; sensor < 20; sensor++)
      fleet.put("sensor-" + sensor, new Reporter(fiveRules("distance")));
    List<ReportingRule> hundred = new ArrayList<>();
    String[] values = {"distance", "amplitude", "temperature", "distance"};
    for (int i = 0; i < 20; i++) hundred.addAll(fiveRules(values[i % values.length]));
    oneSensor.put("sensor-0", new Reporter(hundred));
    fleetReadings = readings(20);
    oneSensorReadings = readings(1);
  }

  @Benchmark
  @OperationsPerInvocation(READINGS)
  public void fleet(Blackhole blackhole) {
    for (Reading reading : fleetReadings)
      blackhole.consume(fleet.get(reading.sensorId()).offer(reading));
  }

  @Benchmark
  @OperationsPerInvocation(READINGS)
  public void oneSensor(Blackhole blackhole) {
    for (Reading reading : oneSensorReadings)
      blackhole.consume(oneSensor.get(reading.sensorId()).offer(reading));
  }
}
