package io.sensorgw.reporting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import io.sensorgw.reporting.ReportingRule.Report;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReporterTest {
  private static final Instant T0 = Instant.parse("2026-12-02T00:00:00Z");

  /**
   * The next reading (sequence 1, 2, ...), at {@code ms} after T0 with distance {@code cm} and
   * strength 100.
   */
  private long sequence;

  private Reading at(long ms, double cm) {
    return at(ms, cm, Quality.SIMULATED);
  }

  private Reading at(long ms, double cm, Quality quality) {
    Map<String, Value> values = new LinkedHashMap<>();
    values.put("distance", Value.of(cm, "cm"));
    values.put("strength", Value.of(100, ""));
    return new Reading(
        "tfluna-1", ++sequence, T0.plusMillis(ms), values, quality, Duration.ZERO, "");
  }

  private static ReportingRule onChange(double deadband, double percent, long minMs, long maxMs) {
    return new ReportingRule(
        "distance",
        Report.ON_CHANGE,
        deadband,
        percent,
        Duration.ofMillis(minMs),
        Duration.ofMillis(maxMs),
        Aggregate.NONE,
        0,
        Duration.ZERO);
  }

  private static ReportingRule window(Aggregate aggregate, int count, long ms) {
    return new ReportingRule(
        "distance",
        Report.ALWAYS,
        0,
        0,
        Duration.ZERO,
        Duration.ZERO,
        aggregate,
        count,
        Duration.ofMillis(ms));
  }

  /** Offers every reading; returns the sequence numbers reported. */
  private static List<Long> reported(Reporter reporter, List<Reading> readings) {
    List<Long> out = new ArrayList<>();
    for (Reading reading : readings) {
      Reading result = reporter.offer(reading);
      if (result != null) out.add(result.sequence());
    }
    return out;
  }

  @Test
  void withoutRulesEveryReadingPassesAsItIs() {
    Reporter reporter = new Reporter(List.of());
    Reading reading = at(0, 50);
    assertSame(reading, reporter.offer(reading));
    assertEquals(1, reporter.reported());
  }

  @Test
  void deadbandReportsOnlyChangesThatReachIt() {
    Reporter reporter = new Reporter(List.of(onChange(2, 0, 0, 0)));
    double[] cm = {50, 51, 51.9, 52, 52, 49.9, 50.5, 47.9};
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < cm.length; i++) readings.add(at(i * 10L, cm[i]));
    // 50 first; 52 is 2 from 50; 49.9 is 2.1 from 52; 47.9 is 2 from 49.9
    assertEquals(List.of(1L, 4L, 6L, 8L), reported(reporter, readings));
    assertEquals(4, reporter.held());
  }

  @Test
  void percentDeadbandIsRelativeToTheLastReportedValue() {
    Reporter reporter = new Reporter(List.of(onChange(0, 10, 0, 0)));
    List<Reading> readings =
        List.of(at(0, 100), at(10, 109), at(20, 110), at(30, 120), at(40, 121));
    assertEquals(List.of(1L, 3L, 5L), reported(reporter, readings));
  }

  @Test
  void heartbeatReportsAnUnchangedValueAtTheMaxInterval() {
    Reporter reporter = new Reporter(List.of(onChange(5, 0, 0, 1000)));
    List<Reading> readings = new ArrayList<>();
    for (long ms = 0; ms <= 2500; ms += 100) readings.add(at(ms, 50));
    // t=0, t=1000 and t=2000 (heartbeats measured from the last report)
    assertEquals(List.of(1L, 11L, 21L), reported(reporter, readings));
  }

  @Test
  void minIntervalHoldsChangesThatComeTooSoon() {
    Reporter reporter = new Reporter(List.of(onChange(0, 0, 500, 0)));
    List<Reading> readings = new ArrayList<>();
    for (long i = 0; i < 12; i++) readings.add(at(i * 100, i)); // changes every reading
    assertEquals(List.of(1L, 6L, 11L), reported(reporter, readings));
  }

  @Test
  void atMostEveryIsThePublishInterval() {
    Reporter reporter = Reporter.atMostEvery(Duration.ofMillis(250));
    List<Reading> readings = new ArrayList<>();
    for (long ms = 0; ms < 1000; ms += 100) readings.add(at(ms, 50));
    assertEquals(List.of(1L, 4L, 7L, 10L), reported(reporter, readings));
    assertEquals(6, reporter.held());
  }

  @Test
  void qualityChangeIsReportedWhateverTheDeadband() {
    Reporter reporter = new Reporter(List.of(onChange(100, 0, 0, 0)));
    List<Reading> readings =
        List.of(at(0, 50), at(10, 50, Quality.STALE), at(20, 50, Quality.STALE), at(30, 50));
    assertEquals(List.of(1L, 2L, 4L), reported(reporter, readings));
  }

  @Test
  void qualityChangeWaitsForTheMinimumInterval() {
    Reporter reporter = Reporter.atMostEvery(Duration.ofMillis(100));
    List<Reading> readings =
        List.of(at(0, 50), at(10, 50, Quality.ERROR), at(20, 50), at(100, 50, Quality.ERROR));
    assertEquals(List.of(1L, 4L), reported(reporter, readings));
  }

  @Test
  void aClockSetBackRestartsTheIntervals() {
    Reporter reporter = Reporter.atMostEvery(Duration.ofHours(1));
    assertEquals(
        List.of(1L, 3L), reported(reporter, List.of(at(5000, 1), at(6000, 1), at(-5000, 1))));
  }

  @Test
  void countWindowReportsItsAggregateInPlaceOfTheValue() {
    Reporter reporter = new Reporter(List.of(window(Aggregate.MEDIAN, 3, 0)));
    double[] cm = {10, 90, 20, 5, 6, 7};
    List<Reading> out = new ArrayList<>();
    for (int i = 0; i < cm.length; i++) {
      Reading result = reporter.offer(at(i, cm[i]));
      if (result != null) out.add(result);
    }
    assertEquals(2, out.size());
    assertEquals(20, out.get(0).values().get("distance").value());
    assertEquals("cm", out.get(0).values().get("distance").unit());
    assertEquals(
        100, out.get(0).values().get("strength").value(), "unruled values are carried as they are");
    assertEquals(6, out.get(1).values().get("distance").value());
    assertEquals(List.of(3L, 6L), out.stream().map(Reading::sequence).toList());
  }

  @Test
  void everyAggregate() {
    double[] values = {4, 1, 3, 2};
    assertEquals(2.5, Aggregate.MEAN.of(values.clone(), 4));
    assertEquals(2.5, Aggregate.MEDIAN.of(values.clone(), 4));
    assertEquals(3, Aggregate.MEDIAN.of(values.clone(), 3));
    assertEquals(1, Aggregate.MIN.of(values.clone(), 4));
    assertEquals(4, Aggregate.MAX.of(values.clone(), 4));
  }

  @Test
  void timeWindowClosesWithTheFirstValueItsSpanAfterItsFirst() {
    Reporter reporter = new Reporter(List.of(window(Aggregate.MEAN, 0, 100)));
    List<Reading> out = new ArrayList<>();
    for (long ms = 0; ms < 250; ms += 20) {
      Reading result = reporter.offer(at(ms, ms));
      if (result != null) out.add(result);
    }
    // windows [0..100] (6 values, mean 50) and [120..220] (6 values, mean 170)
    assertEquals(
        List.of(50.0, 170.0), out.stream().map(r -> r.values().get("distance").value()).toList());
  }

  @Test
  void anEmptyValueNameWatchesEveryValue() {
    ReportingRule anyValue =
        new ReportingRule(
            "",
            Report.ON_CHANGE,
            1,
            0,
            Duration.ZERO,
            Duration.ZERO,
            Aggregate.NONE,
            0,
            Duration.ZERO);
    Reporter reporter = new Reporter(List.of(anyValue));
    Reading strengthChanged =
        new Reading(
            "tfluna-1",
            3,
            T0.plusMillis(20),
            Map.of("distance", Value.of(50, "cm"), "strength", Value.of(300, "")),
            Quality.SIMULATED,
            Duration.ZERO,
            "");
    assertEquals(
        List.of(1L, 3L), reported(reporter, List.of(at(0, 50), at(10, 50.5), strengthChanged)));
  }

  @Test
  void aReadingThatNoRuleCoversPassesAsItIs() {
    Reporter reporter =
        new Reporter(
            List.of(
                new ReportingRule(
                    "speed",
                    Report.ALWAYS,
                    0,
                    0,
                    Duration.ZERO,
                    Duration.ZERO,
                    Aggregate.NONE,
                    0,
                    Duration.ZERO)));
    assertEquals(List.of(1L, 2L), reported(reporter, List.of(at(0, 1), at(10, 2))));
  }

  @Test
  void intervalsSaturateInsteadOfOverflowing() {
    assertEquals(Long.MAX_VALUE, Reporter.nanosBetween(Instant.MIN, Instant.MAX));
    assertEquals(Long.MIN_VALUE, Reporter.nanosBetween(Instant.MAX, Instant.MIN));
    assertEquals(-1_500_000_000L, Reporter.nanosBetween(T0.plusMillis(1500), T0));
  }

  @Test
  void contradictoryRulesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> onChange(-1, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> onChange(Double.NaN, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> onChange(0, 0, 1000, 500));
    assertThrows(IllegalArgumentException.class, () -> window(Aggregate.MEAN, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> window(Aggregate.MEAN, -1, 10));
  }
}
