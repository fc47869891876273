package io.sensorgw.api;

import java.util.Objects;

/**
 * What one metric of a {@link Sensor} or {@link MetricsSource} is, declared by its producer so that
 * an exporter (Prometheus at {@code /metrics}) can tell a counter from a gauge and name its unit. A
 * metric without a description is exported as a unitless gauge, as every metric was before api 1.9.
 *
 * @param kind counter (only ever grows, from 0 at the producer's start) or gauge (goes up and down)
 * @param unit the unit the value is in: {@link #SECONDS}, {@link #MILLISECONDS}, {@link #BYTES}, or
 *     empty for a count or a ratio
 * @param help one line saying what is counted or measured
 */
public record MetricDescription(Kind kind, String unit, String help) {
  /** Counter or gauge, as Prometheus means them. */
  public enum Kind {
    /** A count that only grows while the producer lives; rate() applies to it. */
    COUNTER,
    /** A value that goes up and down: a level, a size, a state (1 or 0), a duration. */
    GAUGE
  }

  public static final String SECONDS = "seconds";

  /** Exporters convert to {@link #SECONDS}, Prometheus's base unit of time. */
  public static final String MILLISECONDS = "milliseconds";

  public static final String BYTES = "bytes";

  public MetricDescription {
    Objects.requireNonNull(kind, "kind");
    unit = unit == null ? "" : unit;
    help = help == null ? "" : help;
  }

  /** A unitless counter: events, items, failures. */
  public static MetricDescription counter(String help) {
    return new MetricDescription(Kind.COUNTER, "", help);
  }

  /** A counter in a unit, e.g. bytes written. */
  public static MetricDescription counter(String unit, String help) {
    return new MetricDescription(Kind.COUNTER, unit, help);
  }

  /** A unitless gauge: a level, a number of things, a state as 1 or 0. */
  public static MetricDescription gauge(String help) {
    return new MetricDescription(Kind.GAUGE, "", help);
  }

  /** A gauge in a unit, e.g. a duration in milliseconds or a size in bytes. */
  public static MetricDescription gauge(String unit, String help) {
    return new MetricDescription(Kind.GAUGE, unit, help);
  }
}
