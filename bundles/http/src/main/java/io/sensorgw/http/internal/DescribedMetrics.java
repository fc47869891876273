package io.sensorgw.http.internal;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.MetricDescription.Kind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the metrics of sensors and {@code MetricsSource}s, with what their producers say they are,
 * into Prometheus metrics for one scrape: one metric per producer metric, named {@code
 * <prefix>_<name in snake case>[_<unit>]}, a counter (written with {@code _total}) or a gauge,
 * milliseconds as seconds. A metric without a description is a unitless gauge. What would clash (a
 * name taken by one of the servlet's own metrics, a counter and a gauge of the same name, the same
 * labels twice) is left out rather than failing the whole scrape.
 */
final class DescribedMetrics {
  private static final MetricDescription UNDESCRIBED =
      MetricDescription.gauge("A metric its producer does not describe, exported as a gauge");

  private record Family(Kind kind, String help, List<Point> points) {}

  private record Point(Labels labels, double value) {}

  private final Set<String> reserved;
  private final Map<String, Family> families = new LinkedHashMap<>();
  private final Set<String> seen = new HashSet<>();
  private final List<Runnable> undescribed = new ArrayList<>();

  /**
   * @param reserved the names (as written, counters without {@code _total}) of metrics exported
   *     otherwise, which a producer's metric must not take
   */
  DescribedMetrics(Set<String> reserved) {
    this.reserved = reserved;
  }

  /**
   * Adds the metrics of one producer, each with {@code labels}, e.g. a sensor's with its {@code
   * sensor} label, under {@code prefix} ({@code sensorgw_sensor}, {@code sensorgw_store}).
   */
  void add(
      String prefix,
      Map<String, Number> values,
      Map<String, MetricDescription> descriptions,
      Labels labels) {
    values.forEach(
        (name, number) -> {
          if (number == null || name == null || name.isEmpty()) return;
          MetricDescription described = descriptions.get(name);
          // Undescribed ones after every described one, whatever the order of the producers, so
          // that they take the kind another producer declares for the same name.
          if (described == null) undescribed.add(() -> put(prefix, name, number, null, labels));
          else put(prefix, name, number, described, labels);
        });
  }

  private void put(
      String prefix, String name, Number number, MetricDescription described, Labels labels) {
    MetricDescription description = described == null ? UNDESCRIBED : described;
    String metric = metricName(prefix, name, description);
    Family family = families.get(metric);
    // A producer that does not describe a metric another one does (a driver built against an
    // older api) takes the kind the others declared.
    Kind kind = described == null && family != null ? family.kind() : description.kind();
    double value = number.doubleValue();
    if (MetricDescription.MILLISECONDS.equals(description.unit())) value /= 1000;
    if (reserved.contains(metric) || (family != null && family.kind() != kind)) return;
    if (kind == Kind.COUNTER && !(value >= 0)) return; // a counter is never negative
    if (!seen.add(metric + labels)) return;
    if (family == null) {
      family = new Family(kind, description.help(), new ArrayList<>());
      families.put(metric, family);
    }
    family.points().add(new Point(labels, value));
  }

  /** The metrics added, one snapshot per name. */
  List<MetricSnapshot> snapshots() {
    undescribed.forEach(Runnable::run);
    undescribed.clear();
    List<MetricSnapshot> snapshots = new ArrayList<>();
    families.forEach(
        (name, family) -> {
          if (family.kind() == Kind.COUNTER) {
            CounterSnapshot.Builder counter =
                CounterSnapshot.builder().name(name).help(family.help());
            for (Point point : family.points())
              counter.dataPoint(
                  CounterSnapshot.CounterDataPointSnapshot.builder()
                      .labels(point.labels())
                      .value(point.value())
                      .build());
            snapshots.add(counter.build());
          } else {
            GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help(family.help());
            for (Point point : family.points())
              gauge.dataPoint(
                  GaugeSnapshot.GaugeDataPointSnapshot.builder()
                      .labels(point.labels())
                      .value(point.value())
                      .build());
            snapshots.add(gauge.build());
          }
        });
    return snapshots;
  }

  /**
   * {@code prefix} and the name in snake case ({@code deadLetters} becomes {@code dead_letters}),
   * with the unit as a suffix unless the name ends with it already; milliseconds become seconds
   * ({@code lastWriteMs} becomes {@code last_write_seconds}). A counter's name is without {@code
   * _total}, which the text format adds.
   */
  static String metricName(String prefix, String name, MetricDescription description) {
    String base = snakeCase(name);
    String unit = description.unit().isEmpty() ? "" : snakeCase(description.unit());
    if (unit.equals("milliseconds")) {
      for (String suffix : List.of("_milliseconds", "_millis", "_ms")) {
        if (base.endsWith(suffix)) {
          base = base.substring(0, base.length() - suffix.length());
          break;
        }
      }
      unit = MetricDescription.SECONDS;
    }
    if (!unit.isEmpty() && !base.endsWith("_" + unit) && !base.equals(unit)) base += "_" + unit;
    if (base.endsWith("_total")) base = base.substring(0, base.length() - "_total".length());
    return PrometheusNaming.sanitizeMetricName(prefix + "_" + base);
  }

  /**
   * {@code deadLetters} to {@code dead_letters}; {@code http1Connections} to {@code
   * http1_connections}; {@code register0x6B} to {@code register0x6b}.
   */
  static String snakeCase(String name) {
    StringBuilder snake = new StringBuilder(name.length() + 8);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isUpperCase(c)) {
        // A word starts after a lower case letter, or after a digit when a lower case one follows
        // (http1Connections), not in a hexadecimal number (register0x6B).
        char before = i > 0 ? name.charAt(i - 1) : '_';
        boolean wordFollows = i + 1 < name.length() && Character.isLowerCase(name.charAt(i + 1));
        if (Character.isLowerCase(before) || (Character.isDigit(before) && wordFollows))
          snake.append('_');
        snake.append(Character.toLowerCase(c));
      } else if (Character.isLetterOrDigit(c) && c < 128) {
        snake.append(c);
      } else {
        snake.append('_');
      }
    }
    return snake.toString();
  }
}
