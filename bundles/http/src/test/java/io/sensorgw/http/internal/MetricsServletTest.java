package io.sensorgw.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Reading;
import io.sensorgw.fanout.ReadingPublisher;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code /metrics} as Prometheus reads it: the text the servlet writes, parsed back. */
class MetricsServletTest {
  private static final ReadingPublisher NO_LISTENERS =
      new ReadingPublisher() {
        @Override
        public void publish(Reading reading) {}

        @Override
        public List<ListenerStats> listenerStats() {
          return List.of(new ListenerStats("io.sensorgw.store", 2, 1000, 40, 1, 0));
        }
      };

  private final MetricsServlet servlet =
      new MetricsServlet(
          new SensorDirectory(), NO_LISTENERS, new RequestCounter(), new LatestReadings());

  /** A source built against api 1.9: it says what its metrics are. */
  private static final MetricsSource STORE =
      new MetricsSource() {
        @Override
        public Map<String, Number> metrics() {
          Map<String, Number> metrics = new LinkedHashMap<>();
          metrics.put("written", 1200L);
          metrics.put("backlog", 7);
          metrics.put("lastWriteMs", 250.0);
          metrics.put("deadLetters", 3L);
          return metrics;
        }

        @Override
        public Map<String, MetricDescription> metricDescriptions() {
          return Map.of(
              "written", MetricDescription.counter("Readings written"),
              "backlog", MetricDescription.gauge("Readings queued"),
              "lastWriteMs",
                  MetricDescription.gauge(MetricDescription.MILLISECONDS, "Last batch write"),
              "deadLetters", MetricDescription.counter("Readings set aside"));
        }
      };

  @Test
  void aCounterIsACounterWithTotalAndAGaugeAGaugeInBaseUnits() throws IOException {
    servlet.addSource(STORE, Map.of(MetricsSource.NAME, "store"));
    String text = scrape();

    assertType(text, "sensorgw_store_written_total", "counter");
    assertEquals(1200, value(text, "sensorgw_store_written_total"));
    assertEquals(3, value(text, "sensorgw_store_dead_letters_total"));
    assertType(text, "sensorgw_store_backlog", "gauge");
    assertEquals(7, value(text, "sensorgw_store_backlog"));
    assertType(text, "sensorgw_store_last_write_seconds", "gauge");
    assertEquals(0.25, value(text, "sensorgw_store_last_write_seconds"));
    assertTrue(text.contains("# HELP sensorgw_store_written_total Readings written"), text);
    assertFalse(text.contains("sensorgw_source_metric"), "no generic series any more:\n" + text);
    // The servlet's own counters are counters too.
    assertType(text, "sensorgw_listener_delivered_total", "counter");
    assertEquals(
        40, value(text, "sensorgw_listener_delivered_total{listener=\"io.sensorgw.store\"}"));
  }

  @Test
  void aSourceThatOnlyGivesAPlainMapStillExportsGauges() throws IOException {
    // As a bundle built against api 1.8 registers it: metrics() only, no descriptions.
    MetricsSource legacy = () -> Map.of("connectedClients", 4, "bytesSent", 1024L);
    servlet.addSource(legacy, Map.of(MetricsSource.NAME, "thirdParty"));
    String text = scrape();

    assertType(text, "sensorgw_third_party_connected_clients", "gauge");
    assertEquals(4, value(text, "sensorgw_third_party_connected_clients"));
    assertType(text, "sensorgw_third_party_bytes_sent", "gauge");
    assertEquals(1024, value(text, "sensorgw_third_party_bytes_sent"));
  }

  @Test
  void aMetricThatWouldClashIsLeftOutAndTheScrapeStillAnswers() throws IOException {
    // alarms' "active" would be sensorgw_alarms_active, the servlet's own gauge; "listeners_total"
    // ends with a suffix Prometheus reserves.
    MetricsSource alarms =
        () -> Map.of("active", 2, "listenersTotal", 1, "raised", -1, "cleared", Double.NaN);
    servlet.addSource(alarms, Map.of(MetricsSource.NAME, "alarms"));
    servlet.addSource(STORE, Map.of(MetricsSource.NAME, "store"));
    String text = scrape();

    assertFalse(text.contains("sensorgw_alarms_active "), "left to the Alarms service:\n" + text);
    assertEquals(1, value(text, "sensorgw_alarms_listeners"));
    assertEquals(1200, value(text, "sensorgw_store_written_total"));
  }

  @Test
  void namesAreSnakeCaseWithTheUnitOnce() {
    MetricDescription counter = MetricDescription.counter("c");
    MetricDescription bytes = MetricDescription.gauge(MetricDescription.BYTES, "b");
    MetricDescription millis = MetricDescription.gauge(MetricDescription.MILLISECONDS, "m");
    assertEquals(
        "sensorgw_sensor_cache_hits",
        DescribedMetrics.metricName("sensorgw_sensor", "cacheHits", counter));
    assertEquals(
        "sensorgw_mqtt_spool_bytes",
        DescribedMetrics.metricName("sensorgw_mqtt", "spoolBytes", bytes));
    assertEquals(
        "sensorgw_mqtt_spool_size_bytes",
        DescribedMetrics.metricName("sensorgw_mqtt", "spoolSize", bytes));
    assertEquals(
        "sensorgw_sensor_last_acquisition_seconds",
        DescribedMetrics.metricName("sensorgw_sensor", "lastAcquisitionMs", millis));
    assertEquals(
        "sensorgw_connections_http1_connections",
        DescribedMetrics.metricName("sensorgw_connections", "http1Connections", counter));
    assertEquals(
        "sensorgw_sensor_register0x6b",
        DescribedMetrics.metricName("sensorgw_sensor", "register0x6B", counter));
  }

  @Test
  void aDriverThatDoesNotDescribeAMetricTakesTheKindOthersDeclared() throws IOException {
    DescribedMetrics described = new DescribedMetrics(Set.of());
    // The old driver first: its undescribed metric still becomes the counter the new one declares.
    described.add("sensorgw_sensor", Map.of("reads", 5L), Map.of(), Labels.of("sensor", "old"));
    described.add(
        "sensorgw_sensor",
        Map.of("reads", 10L),
        Map.of("reads", MetricDescription.counter("Calls of read()")),
        Labels.of("sensor", "new"));
    String text = write(new MetricSnapshots(described.snapshots()));

    assertType(text, "sensorgw_sensor_reads_total", "counter");
    assertEquals(10, value(text, "sensorgw_sensor_reads_total{sensor=\"new\"}"));
    assertEquals(5, value(text, "sensorgw_sensor_reads_total{sensor=\"old\"}"));
  }

  private String scrape() throws IOException {
    return write(servlet.snapshots());
  }

  private static String write(MetricSnapshots snapshots) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, snapshots);
    return out.toString(StandardCharsets.UTF_8);
  }

  /** As this client writes the text format: a counter's TYPE line names it with _total. */
  private static void assertType(String text, String family, String type) {
    assertTrue(
        Pattern.compile("(?m)^# TYPE " + Pattern.quote(family) + " " + type + "$")
            .matcher(text)
            .find(),
        "# TYPE " + family + " " + type + " in:\n" + text);
  }

  /** The value of the sample written exactly as {@code series} (name and labels). */
  private static double value(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    assertTrue(m.find(), series + " in:\n" + text);
    return Double.parseDouble(m.group(1));
  }
}
