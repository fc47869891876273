package io.sensorgw.reporting;

import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * One sensor's reporting rules and their state: given each reading in order, says whether it is
 * reported, and as what (window aggregates replace the values they summarise). With no rule, or
 * when no rule names a value the reading has, every reading is reported as it is. Thread-safe;
 * readings of one sensor are expected in order.
 *
 * <p>Decisions use each reading's {@code acquiredAt}: the same readings give the same reports. A
 * reading acquired before the last reported one (a clock set back) restarts the intervals, so that
 * a clock step never silences a sensor. A window's aggregate is reported when its window closes,
 * not before.
 */
public final class Reporter {
  private final List<RuleState> rules;

  /** Rules on one named value, by that name. */
  private final Map<String, RuleState[]> byValue;

  /** Rules on every value of the reading. */
  private final RuleState[] everyValue;

  /** Rules with a heartbeat. */
  private final RuleState[] heartbeats;

  /** The smallest minimum interval: a quality change waits for it too. */
  private final long minIntervalNanos;

  /**
   * The latest closed window's aggregate by value name: it stands in for the value when reported.
   */
  private final Map<String, Double> aggregates = new HashMap<>(); // guarded by this

  private final LongAdder reported = new LongAdder();
  private final LongAdder held = new LongAdder();
  private Reading last; // guarded by this

  public Reporter(List<ReportingRule> rules) {
    this.rules = rules.stream().map(RuleState::new).toList();
    Map<String, List<RuleState>> grouped = new HashMap<>();
    for (RuleState state : this.rules) {
      if (!state.rule.everyValue())
        grouped.computeIfAbsent(state.rule.value(), v -> new ArrayList<>()).add(state);
    }
    this.byValue = new HashMap<>();
    grouped.forEach((value, states) -> byValue.put(value, states.toArray(RuleState[]::new)));
    this.everyValue =
        this.rules.stream().filter(state -> state.rule.everyValue()).toArray(RuleState[]::new);
    this.heartbeats =
        this.rules.stream().filter(state -> state.maxIntervalNanos > 0).toArray(RuleState[]::new);
    this.minIntervalNanos =
        this.rules.stream().mapToLong(state -> state.minIntervalNanos).min().orElse(0);
  }

  /** At most one reading per {@code interval} ({@code publish.interval.ms}); ZERO passes all. */
  public static Reporter atMostEvery(Duration interval) {
    return new Reporter(
        interval.isZero() ? List.of() : List.of(ReportingRule.atMostEvery(interval)));
  }

  /** The rules, as given. */
  public List<ReportingRule> rules() {
    return rules.stream().map(state -> state.rule).toList();
  }

  /**
   * The reading to report for {@code reading}: itself, itself with aggregated values, or {@code
   * null} when it is held back.
   */
  public Reading offer(Reading reading) {
    if (rules.isEmpty()) {
      reported.increment();
      return reading;
    }
    Reading out;
    synchronized (this) {
      out = decide(reading);
      if (out != null) last = out;
    }
    (out != null ? reported : held).increment();
    return out;
  }

  /** A consumer that hands each reported reading to {@code sink}. */
  public Consumer<Reading> to(Consumer<Reading> sink) {
    return reading -> {
      Reading out = offer(reading);
      if (out != null) sink.accept(out);
    };
  }

  /** Readings reported so far. */
  public long reported() {
    return reported.sum();
  }

  /** Readings held back so far. */
  public long held() {
    return held.sum();
  }

  private Reading decide(Reading reading) {
    Instant at = reading.acquiredAt();
    long sinceLast = last == null ? 0 : nanosBetween(last.acquiredAt(), at);
    boolean restart = last == null || sinceLast < 0;
    // A change of quality (a sensor going into error or back) is reported, within the minimum
    // interval.
    boolean due = !restart && reading.quality() != last.quality() && sinceLast >= minIntervalNanos;
    if (!restart) {
      for (RuleState state : heartbeats) due |= sinceLast >= state.maxIntervalNanos;
    }
    boolean covered = everyValue.length > 0;
    for (RuleState state : everyValue) {
      // The reading as a whole: a reading without values still passes a publish interval.
      boolean open = restart || sinceLast >= state.minIntervalNanos;
      if (open && !state.windowed && (state.always || last == null)) due = true;
      for (Map.Entry<String, Value> entry : reading.values().entrySet()) {
        due |= state.due(entry.getKey(), entry.getValue().value(), at, open, last, aggregates, due);
      }
    }
    if (!byValue.isEmpty()) {
      // Each value looked up once, whatever the number of rules on it.
      for (Map.Entry<String, Value> entry : reading.values().entrySet()) {
        RuleState[] group = byValue.get(entry.getKey());
        if (group == null) continue;
        covered = true;
        double value = entry.getValue().value();
        for (RuleState state : group) {
          boolean open = restart || sinceLast >= state.minIntervalNanos;
          due |= state.due(entry.getKey(), value, at, open, last, aggregates, due);
        }
      }
    }
    // A reading none of whose values is ruled (a rule naming a value the sensor lacks) passes: a
    // typo in a rule must not silence a sensor.
    if (!due && covered) return null;
    return aggregates.isEmpty() ? reading : withAggregates(reading);
  }

  private Reading withAggregates(Reading reading) {
    Map<String, Value> values = new LinkedHashMap<>(reading.values());
    aggregates.forEach(
        (name, aggregate) ->
            values.computeIfPresent(name, (n, v) -> Value.of(aggregate, v.unit())));
    return new Reading(
        reading.sensorId(),
        reading.sequence(),
        reading.acquiredAt(),
        values,
        reading.quality(),
        reading.acquisitionTime(),
        reading.message());
  }

  /** Nanoseconds from {@code from} to {@code to}, saturated instead of overflowing. */
  static long nanosBetween(Instant from, Instant to) {
    long seconds =
        to.getEpochSecond() - from.getEpochSecond(); // no overflow within Instant's range
    if (seconds > 9_000_000_000L) return Long.MAX_VALUE;
    if (seconds < -9_000_000_000L) return Long.MIN_VALUE;
    return seconds * 1_000_000_000L + (to.getNano() - from.getNano());
  }

  /** One rule's windows, by value name. */
  private static final class RuleState {
    final ReportingRule rule;
    final long minIntervalNanos;
    final long maxIntervalNanos;
    final long windowNanos;
    final boolean windowed;
    final boolean always;

    /** The window of a rule on one named value; rules on every value keep one per name. */
    final Window window;

    final Map<String, Window> windows = new HashMap<>();

    RuleState(ReportingRule rule) {
      this.rule = rule;
      this.minIntervalNanos = rule.minInterval().toNanos();
      this.maxIntervalNanos = rule.maxInterval().toNanos();
      this.windowNanos = rule.windowTime().toNanos();
      this.windowed = rule.aggregate() != Aggregate.NONE;
      this.always = rule.report() == ReportingRule.Report.ALWAYS;
      this.window = windowed && !rule.everyValue() ? new Window() : null;
    }

    /**
     * Feeds the value to its window, then says whether it makes the reading due; {@code due}: the
     * reading is due already (the window is still fed, the comparison skipped).
     */
    boolean due(
        String name,
        double value,
        Instant at,
        boolean open,
        Reading last,
        Map<String, Double> aggregates,
        boolean due) {
      double candidate = value;
      if (windowed) {
        Window w = window != null ? window : windows.computeIfAbsent(name, n -> new Window());
        if (!w.add(value, at, rule.windowCount(), windowNanos)) return false;
        candidate = w.closeWith(rule.aggregate());
        aggregates.put(name, candidate);
      }
      if (!open) return false;
      if (due || always || last == null) return true;
      Value lastValue = last.values().get(name);
      return lastValue == null || rule.changed(lastValue.value(), candidate);
    }
  }

  /** A tumbling window: it closes with the value that fills it by count, time or capacity. */
  private static final class Window {
    double[] values = new double[16];
    int count;
    Instant start;

    /** Adds the value; true when the window is now full. */
    boolean add(double value, Instant at, int closeCount, long closeNanos) {
      if (count == 0) start = at;
      if (count == values.length) values = Arrays.copyOf(values, count * 2);
      values[count++] = value;
      return (closeCount > 0 && count >= closeCount)
          || (closeNanos > 0 && nanosBetween(start, at) >= closeNanos)
          || count >= ReportingRule.MAX_WINDOW_VALUES;
    }

    double closeWith(Aggregate aggregate) {
      double result = aggregate.of(values, count);
      count = 0;
      return result;
    }
  }
}
