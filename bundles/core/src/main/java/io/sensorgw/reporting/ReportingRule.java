package io.sensorgw.reporting;

import java.time.Duration;
import java.util.Objects;

/**
 * How one value of a sensor's readings (or each of them) is reported.
 *
 * <p>A value is <em>due</em> when it has a candidate (its own number, or the aggregate of a window
 * that just closed) and: nothing was reported yet; or {@link #minInterval} has passed since the
 * last report and the rule reports {@link Report#ALWAYS}, or {@link Report#ON_CHANGE} and the
 * candidate differs from the value last reported by at least the deadband ({@link #deadband} and
 * {@link #deadbandPercent} of the last value, the larger when both are set; any change when neither
 * is). A heartbeat is due when {@link #maxInterval} has passed since the last report, whatever the
 * value. A reading is reported, whole, when one of its rules is due or its quality changed.
 *
 * @param value the value's name, e.g. {@code distance}; empty for every numeric value of the
 *     reading
 * @param report always (subject to the minimum interval) or on change
 * @param deadband the absolute change that counts, 0 or more, in the value's unit
 * @param deadbandPercent the change that counts in percent of the last reported value, 0 or more
 * @param minInterval at most one report per this interval ({@code ZERO}: no limit)
 * @param maxInterval heartbeat: a report at least this often ({@code ZERO}: none)
 * @param aggregate how a window's values become one; {@link Aggregate#NONE} for no window
 * @param windowCount a window closes with its this-many-th value (0: not by count)
 * @param windowTime a window closes with the first value this long after its first (ZERO: not by
 *     time)
 */
public record ReportingRule(
    String value,
    Report report,
    double deadband,
    double deadbandPercent,
    Duration minInterval,
    Duration maxInterval,
    Aggregate aggregate,
    int windowCount,
    Duration windowTime) {

  /** When a value with a candidate is reported. */
  public enum Report {
    ALWAYS,
    ON_CHANGE
  }

  /** A window holds at most this many values, whatever its time span (then it closes). */
  public static final int MAX_WINDOW_VALUES = 65_536;

  public ReportingRule {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(report, "report");
    Objects.requireNonNull(minInterval, "minInterval");
    Objects.requireNonNull(maxInterval, "maxInterval");
    Objects.requireNonNull(aggregate, "aggregate");
    Objects.requireNonNull(windowTime, "windowTime");
    if (!(deadband >= 0)
        || !(deadbandPercent >= 0)
        || Double.isInfinite(deadband)
        || Double.isInfinite(deadbandPercent)) {
      throw new IllegalArgumentException("deadbands must be finite and 0 or more");
    }
    if (minInterval.isNegative() || maxInterval.isNegative() || windowTime.isNegative()) {
      throw new IllegalArgumentException("intervals must be 0 or more");
    }
    if (windowCount < 0 || windowCount > MAX_WINDOW_VALUES) {
      throw new IllegalArgumentException("window count must be 0.." + MAX_WINDOW_VALUES);
    }
    if (aggregate != Aggregate.NONE && windowCount == 0 && windowTime.isZero()) {
      throw new IllegalArgumentException("an aggregate needs a window count or a window time");
    }
    if (!maxInterval.isZero() && maxInterval.compareTo(minInterval) < 0) {
      throw new IllegalArgumentException(
          "the heartbeat interval must be at least the minimum interval");
    }
  }

  /**
   * At most one reading per {@code interval}, each as it is: what {@code publish.interval.ms}
   * means.
   */
  public static ReportingRule atMostEvery(Duration interval) {
    return new ReportingRule(
        "", Report.ALWAYS, 0, 0, interval, Duration.ZERO, Aggregate.NONE, 0, Duration.ZERO);
  }

  /** True when this rule watches every numeric value rather than one. */
  boolean everyValue() {
    return value.isEmpty();
  }

  /** True when a change of {@code candidate} from {@code last} counts. */
  boolean changed(double last, double candidate) {
    if (Double.isNaN(last) != Double.isNaN(candidate)) return true;
    double difference = Math.abs(candidate - last);
    if (!(difference > 0)) return false;
    double threshold = Math.max(deadband, Math.abs(last) * deadbandPercent / 100);
    return difference >= threshold;
  }
}
