package io.sensorgw.http.internal;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.sensorgw.api.Alarms;
import io.sensorgw.api.ExecutorStats;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Value;
import io.sensorgw.fanout.ReadingPublisher;
import io.sensorgw.fanout.ReadingPublisher.ListenerStats;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * {@code GET /metrics} in Prometheus text format, written by the Prometheus Java client from
 * metrics read at scrape time: each sensor's driver metrics and executor, the reading fan-out's
 * listener queues, HTTP requests by route and status, every {@link MetricsSource} (store,
 * telemetry, alarms) without knowing what they are, each numeric value of each registered sensor's
 * latest reading ({@link LatestReadings}: one series per sensor and value, so the cardinality is
 * bounded by the sensors configured) and the active alarms. Never touches a device.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern("/metrics")
public class MetricsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient SensorDirectory sensors;
  private final transient ReadingPublisher publisher;
  private final transient RequestCounter requests;
  private final transient LatestReadings latest;
  private final transient Map<MetricsSource, String> sources = new ConcurrentHashMap<>();
  private final transient PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

  /**
   * The metrics this servlet writes itself (counters without {@code _total}), which no sensor's or
   * source's metric may take: a source's {@code alarms_active} is the same figure as the alarms'.
   */
  static final Set<String> OWN_METRICS =
      Set.of(
          "sensorgw_sensor_up",
          "sensorgw_reading_value",
          "sensorgw_executor_active",
          "sensorgw_executor_queued",
          "sensorgw_executor_queue_capacity",
          "sensorgw_executor_latency_mean_seconds",
          "sensorgw_executor_latency_max_seconds",
          "sensorgw_executor_completed",
          "sensorgw_executor_failed",
          "sensorgw_executor_rejected",
          "sensorgw_listener_queued",
          "sensorgw_listener_delivered",
          "sensorgw_listener_dropped",
          "sensorgw_listener_failed",
          "sensorgw_http_requests",
          "sensorgw_alarms_active");

  @Activate
  public MetricsServlet(
      @Reference SensorDirectory sensors,
      @Reference ReadingPublisher publisher,
      @Reference RequestCounter requests,
      @Reference LatestReadings latest) {
    this.sensors = sensors;
    this.publisher = publisher;
    this.requests = requests;
    this.latest = latest;
  }

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Alarms alarms;

  @Reference(
      service = MetricsSource.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addSource(MetricsSource source, Map<String, Object> properties) {
    sources.put(source, String.valueOf(properties.getOrDefault(MetricsSource.NAME, "unnamed")));
  }

  void removeSource(MetricsSource source) {
    sources.remove(source);
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    response.setStatus(200);
    response.setContentType(writer.getContentType());
    response.setHeader("Cache-Control", "no-store");
    writer.write(response.getOutputStream(), snapshots());
  }

  MetricSnapshots snapshots() {
    List<MetricSnapshot> all = new ArrayList<>();
    GaugeSnapshot.Builder sensorUp =
        GaugeSnapshot.builder()
            .name("sensorgw_sensor_up")
            .help("1 when the sensor's state is ok or starting, else 0; the state is a label");
    GaugeSnapshot.Builder readingValue =
        GaugeSnapshot.builder()
            .name("sensorgw_reading_value")
            .help(
                "Each numeric value of a sensor's latest reading, by sensor, value name and unit");
    DescribedMetrics described = new DescribedMetrics(OWN_METRICS);
    Set<String> registered = new java.util.HashSet<>();
    Map<String, GaugeSnapshot.Builder> executorGauges = new LinkedHashMap<>();
    for (String figure : List.of("active", "queued", "queue_capacity")) {
      executorGauges.put(
          figure,
          GaugeSnapshot.builder()
              .name("sensorgw_executor_" + figure)
              .help("Managed executor of a sensor: " + figure.replace('_', ' ')));
    }
    executorGauges.put(
        "latency_mean",
        GaugeSnapshot.builder()
            .name("sensorgw_executor_latency_mean_seconds")
            .help("Managed executor of a sensor: mean task latency"));
    executorGauges.put(
        "latency_max",
        GaugeSnapshot.builder()
            .name("sensorgw_executor_latency_max_seconds")
            .help("Managed executor of a sensor: longest task latency"));
    Map<String, CounterSnapshot.Builder> executorCounters = new LinkedHashMap<>();
    for (String figure : List.of("completed", "failed", "rejected")) {
      executorCounters.put(
          figure,
          CounterSnapshot.builder()
              .name("sensorgw_executor_" + figure)
              .help("Managed executor of a sensor: tasks " + figure));
    }
    for (SensorDirectory.Entry entry : sensors.all()) {
      String state = entry.sensor().state().name().toLowerCase(Locale.ROOT);
      registered.add(entry.id());
      latest
          .of(entry.id())
          .ifPresent(
              reading -> {
                for (Map.Entry<String, Value> value : reading.values().entrySet()) {
                  if (!Double.isFinite(value.getValue().value())) continue;
                  point(
                      readingValue,
                      Labels.of(
                          "sensor",
                          entry.id(),
                          "value",
                          value.getKey(),
                          "unit",
                          value.getValue().unit()),
                      value.getValue().value());
                }
              });
      sensorUp.dataPoint(
          GaugeSnapshot.GaugeDataPointSnapshot.builder()
              .labels(Labels.of("sensor", entry.id(), "model", entry.model(), "state", state))
              .value(state.equals("ok") || state.equals("starting") ? 1 : 0)
              .build());
      described.add(
          "sensorgw_sensor",
          entry.sensor().metrics(),
          entry.sensor().metricDescriptions(),
          Labels.of("sensor", entry.id()));
      ExecutorStats stats = entry.sensor().executorStats();
      Labels labels = Labels.of("sensor", entry.id(), "executor", stats.name());
      point(executorGauges.get("active"), labels, stats.active());
      point(executorGauges.get("queued"), labels, stats.queued());
      point(executorGauges.get("queue_capacity"), labels, stats.queueCapacity());
      point(executorGauges.get("latency_mean"), labels, stats.meanLatencyMillis() / 1000);
      point(executorGauges.get("latency_max"), labels, stats.maxLatencyMillis() / 1000);
      point(executorCounters.get("completed"), labels, stats.completed());
      point(executorCounters.get("failed"), labels, stats.failed());
      point(executorCounters.get("rejected"), labels, stats.rejected());
    }
    latest.retain(registered);
    all.add(sensorUp.build());
    all.add(readingValue.build());
    executorGauges.values().forEach(builder -> all.add(builder.build()));
    executorCounters.values().forEach(builder -> all.add(builder.build()));

    List<ListenerStats> listeners = publisher.listenerStats();
    all.add(
        listenerGauge(
            "sensorgw_listener_queued",
            "Readings waiting in a listener's queue",
            listeners,
            ListenerStats::queued));
    all.add(
        listenerCounter(
            "sensorgw_listener_delivered",
            "Readings handed to a listener",
            listeners,
            ListenerStats::delivered));
    all.add(
        listenerCounter(
            "sensorgw_listener_dropped",
            "Oldest readings dropped because a listener fell behind",
            listeners,
            ListenerStats::dropped));
    all.add(
        listenerCounter(
            "sensorgw_listener_failed",
            "Listener calls that threw",
            listeners,
            ListenerStats::failed));

    CounterSnapshot.Builder http =
        CounterSnapshot.builder()
            .name("sensorgw_http_requests")
            .help("HTTP requests by route (servlet pattern) and status");
    requests
        .counts()
        .forEach(
            (key, count) ->
                http.dataPoint(
                    CounterSnapshot.CounterDataPointSnapshot.builder()
                        .labels(
                            Labels.of(
                                "route", key.route(), "status", Integer.toString(key.status())))
                        .value(count)
                        .build()));
    all.add(http.build());

    // Each source's metrics under its own name: sensorgw_store_written_total, not a label.
    new java.util.TreeMap<>(invert(sources))
        .forEach(
            (name, source) ->
                described.add(
                    "sensorgw_" + DescribedMetrics.snakeCase(name),
                    source.metrics(),
                    source.metricDescriptions(),
                    Labels.EMPTY));
    all.addAll(described.snapshots());

    Alarms current = alarms;
    if (current != null) {
      all.add(
          GaugeSnapshot.builder()
              .name("sensorgw_alarms_active")
              .help("Alarms raised now")
              .dataPoint(
                  GaugeSnapshot.GaugeDataPointSnapshot.builder()
                      .value(current.active().size())
                      .build())
              .build());
    }
    return new MetricSnapshots(all);
  }

  /** By name; of two sources registered under one name, one is shown. */
  private static Map<String, MetricsSource> invert(Map<MetricsSource, String> sources) {
    Map<String, MetricsSource> byName = new java.util.HashMap<>();
    sources.forEach((source, name) -> byName.putIfAbsent(name, source));
    return byName;
  }

  private static void point(CounterSnapshot.Builder builder, Labels labels, double value) {
    builder.dataPoint(
        CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(value).build());
  }

  private static void point(GaugeSnapshot.Builder builder, Labels labels, double value) {
    builder.dataPoint(
        GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
  }

  private static GaugeSnapshot listenerGauge(
      String name,
      String help,
      List<ListenerStats> listeners,
      ToDoubleFunction<ListenerStats> value) {
    GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
    for (ListenerStats stats : listeners)
      point(builder, Labels.of("listener", stats.name()), value.applyAsDouble(stats));
    return builder.build();
  }

  private static CounterSnapshot listenerCounter(
      String name,
      String help,
      List<ListenerStats> listeners,
      ToDoubleFunction<ListenerStats> value) {
    CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
    for (ListenerStats stats : listeners) {
      builder.dataPoint(
          CounterSnapshot.CounterDataPointSnapshot.builder()
              .labels(Labels.of("listener", stats.name()))
              .value(value.applyAsDouble(stats))
              .build());
    }
    return builder.build();
  }
}
