package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Value;
import io.sensorgw.core.Measurement;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.junit5.context.BundleContextExtension;

/** GET /metrics: strict Prometheus text, and counters that move with reads, errors and requests. */
@ExtendWith(BundleContextExtension.class)
class MetricsTest {
  @InjectBundleContext BundleContext context;

  private static final Pattern SAMPLE =
      Pattern.compile(
          "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\\})? "
              + "(-?[0-9.]+([eE][-+]?[0-9]+)?|NaN|[+-]Inf)$");

  private static double value(String body, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  @Test
  void metricsAreStrictPrometheusTextAndMove() throws Exception {
    Gateway gateway = new Gateway(context);
    AtomicBoolean failing = new AtomicBoolean();
    try (TestSensor sensor =
        new TestSensor(
                context,
                "it-metrics",
                Duration.ZERO,
                TestSensor.READ_TIMEOUT,
                () -> {
                  if (failing.get()) throw new java.io.IOException("sensor unplugged");
                  return Measurement.of(Quality.SIMULATED, Map.of("distance", Value.of(3, "cm")));
                })
            .register(context, "tfluna")) {
      gateway.getUntil("/api/sensors", r -> r.body().contains("it-metrics"), "sensor listed");
      for (int i = 0; i < 3; i++)
        assertEquals(200, gateway.get("/api/sensors/it-metrics/reading").statusCode());
      failing.set(true);
      assertEquals(503, gateway.get("/api/sensors/it-metrics/reading").statusCode());

      // Counters move after the answer went out (the executor counts a task once it has ended):
      // wait until each has, then check the exact figures.
      HttpResponse<String> metrics =
          gateway.getUntil(
              "/metrics",
              r ->
                  value(
                              r.body(),
                              "sensorgw_http_requests_total{route=\"/api/sensors/*\",status=\"503\"}")
                          >= 1
                      && value(
                              r.body(),
                              "sensorgw_http_requests_total{route=\"/api/sensors/*\",status=\"200\"}")
                          >= 3
                      && value(
                              r.body(),
                              "sensorgw_executor_completed_total{executor=\"it-metrics\",sensor=\"it-metrics\"}")
                          >= 4
                      && value(r.body(), "sensorgw_sensor_errors_total{sensor=\"it-metrics\"}") >= 1
                      && value(
                              r.body(),
                              "sensorgw_sensor_up{model=\"tfluna\",sensor=\"it-metrics\",state=\"error\"}")
                          == 0,
              "the 503, the four reads, the error and the error state counted");
      assertTrue(metrics.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
      String body = metrics.body();
      for (String line : body.split("\n")) {
        if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
        assertTrue(SAMPLE.matcher(line).matches(), "not a Prometheus sample line: " + line);
      }
      assertEquals(4, value(body, "sensorgw_sensor_reads_total{sensor=\"it-metrics\"}"));
      assertEquals(1, value(body, "sensorgw_sensor_errors_total{sensor=\"it-metrics\"}"));
      assertEquals(
          4,
          value(
              body,
              "sensorgw_executor_completed_total{executor=\"it-metrics\",sensor=\"it-metrics\"}"));
      assertEquals(
          0,
          value(
              body, "sensorgw_sensor_up{model=\"tfluna\",sensor=\"it-metrics\",state=\"error\"}"));
      assertTrue(
          value(body, "sensorgw_http_requests_total{route=\"/api/sensors/*\",status=\"200\"}") >= 3,
          body);
      assertTrue(body.contains("\nsensorgw_store_written_total "), "the store's metrics");
      // Counters are counters, so rate() applies; gauges are gauges, in base units.
      for (String type :
          List.of(
              "# TYPE sensorgw_sensor_reads_total counter",
              "# TYPE sensorgw_executor_completed_total counter",
              "# TYPE sensorgw_store_written_total counter",
              "# TYPE sensorgw_store_backlog gauge",
              "# TYPE sensorgw_sensor_last_acquisition_seconds gauge",
              "# TYPE sensorgw_executor_latency_max_seconds gauge"))
        assertTrue(body.contains("\n" + type + "\n"), type + " in:\n" + body);
      assertFalse(body.contains("sensorgw_sensor_statistic"), "no generic series any more");
      assertFalse(body.contains("sensorgw_source_metric"), "no generic series any more");
      assertTrue(
          body.contains("sensorgw_listener_dropped_total{listener="), "fan-out listener metrics");

      // They move: one more good read.
      failing.set(false);
      assertEquals(200, gateway.get("/api/sensors/it-metrics/reading").statusCode());
      String after = gateway.get("/metrics").body();
      assertEquals(5, value(after, "sensorgw_sensor_reads_total{sensor=\"it-metrics\"}"));
    }
  }
}
