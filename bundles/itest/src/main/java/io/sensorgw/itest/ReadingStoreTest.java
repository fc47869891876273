package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Value;
import io.sensorgw.core.Measurement;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** The store inside Felix: H2 by default, then a real PostgreSQL restarted mid-stream. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class ReadingStoreTest {
  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  private static final Pattern SEQUENCE = Pattern.compile("\"sequence\":(\\d+)");
  private static final Pattern NEXT = Pattern.compile("\"next\":\"([0-9:]+)\"");

  /** The store's service properties carry its configuration, jdbc.url included. */
  private static final String ON_POSTGRES = "(&(metrics.name=store)(jdbc.url=jdbc:postgresql:*))";

  private static final String NOT_ON_POSTGRES =
      "(&(metrics.name=store)(!(jdbc.url=jdbc:postgresql:*)))";

  private Map<String, Number> storeMetrics() {
    return storeMetrics("(metrics.name=store)");
  }

  private boolean storeRegistered(String filter) {
    try {
      return !context.getServiceReferences(MetricsSource.class, filter).isEmpty();
    } catch (org.osgi.framework.InvalidSyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private Map<String, Number> storeMetrics(String filter) {
    ServiceReference<MetricsSource> ref;
    try {
      ref =
          context.getServiceReferences(MetricsSource.class, filter).stream()
              .findFirst()
              .orElse(null);
    } catch (org.osgi.framework.InvalidSyntaxException e) {
      throw new IllegalStateException(e);
    }
    if (ref == null) return Map.of();
    MetricsSource source = context.getService(ref);
    try {
      return source == null ? Map.of() : source.metrics();
    } finally {
      context.ungetService(ref);
    }
  }

  /** What the store component and the configuration thread are doing, for a failure message. */
  private String diagnostics() {
    StringBuilder out = new StringBuilder("\nstore metrics: ").append(storeMetrics());
    Thread.getAllStackTraces()
        .forEach(
            (thread, stack) -> {
              if (thread.getName().startsWith("CM Event")
                  || thread.getName().startsWith("sensorgw-store")) {
                out.append("\n").append(thread.getName()).append(' ').append(thread.getState());
                for (int i = 0; i < Math.min(12, stack.length); i++)
                  out.append("\n    at ").append(stack[i]);
              }
            });
    return out.toString();
  }

  /** Every stored sequence of a sensor, following the pages. */
  private List<Long> storedSequences(Gateway gateway, String sensorId) throws Exception {
    List<Long> sequences = new ArrayList<>();
    String cursor = null;
    do {
      HttpResponse<String> page =
          gateway.get(
              "/api/sensors/"
                  + sensorId
                  + "/readings?from=0&limit=500"
                  + (cursor == null ? "" : "&after=" + cursor));
      assertEquals(200, page.statusCode(), page.body());
      Matcher m = SEQUENCE.matcher(page.body());
      while (m.find()) sequences.add(Long.parseLong(m.group(1)));
      Matcher next = NEXT.matcher(page.body());
      cursor = next.find() ? next.group(1) : null;
    } while (cursor != null);
    return sequences;
  }

  @Test
  void readingsAreStoredInH2AndServedAsHistory() throws Exception {
    Gateway gateway = new Gateway(context);
    // The store on its default H2 database: not still on the PostgreSQL of the other test, whose
    // configuration's deletion is applied asynchronously.
    Gateway.await(() -> storeRegistered(NOT_ON_POSTGRES), "the store on H2", this::diagnostics);
    AtomicInteger counter = new AtomicInteger();
    String id = "it-store-" + System.currentTimeMillis(); // the H2 file outlives a test run
    try (TestSensor sensor =
        new TestSensor(
                context,
                id,
                Duration.ZERO,
                TestSensor.READ_TIMEOUT,
                () ->
                    Measurement.of(
                        Quality.SIMULATED,
                        Map.of("distance", Value.of(counter.incrementAndGet(), "cm"))))
            .register(context, "tfluna")) {
      gateway.getUntil("/api/sensors", r -> r.body().contains(id), "sensor listed");
      for (int i = 0; i < 30; i++)
        assertEquals(200, gateway.get("/api/sensors/" + id + "/reading").statusCode());

      HttpResponse<String> history =
          gateway.getUntil(
              "/api/sensors/" + id + "/readings?from=0",
              r -> r.body().contains("\"count\":30"),
              "30 stored readings");
      List<Long> sequences = new ArrayList<>();
      Matcher m = SEQUENCE.matcher(history.body());
      while (m.find()) sequences.add(Long.parseLong(m.group(1)));
      assertEquals(java.util.stream.LongStream.rangeClosed(1, 30).boxed().toList(), sequences);
      assertTrue(
          history.body().contains("\"distance\":{\"value\":1.0,\"unit\":\"cm\"}")
              || history.body().contains("\"distance\":{\"unit\":\"cm\",\"value\":1.0}"),
          history.body());

      // Daily buckets since 1970 would be over max.buckets (10000): a window of the last two days.
      HttpResponse<String> buckets =
          gateway.get(
              "/api/sensors/"
                  + id
                  + "/readings?every=1d&from="
                  + (System.currentTimeMillis() - 2 * 86_400_000L));
      assertEquals(200, buckets.statusCode(), buckets.body());
      assertTrue(
          buckets.body().contains("\"min\":1.0") && buckets.body().contains("\"max\":30.0"),
          buckets.body());

      for (String bad :
          List.of(
              "from=yesterday",
              "limit=0",
              "limit=many",
              "every=5x",
              "from=2000&to=1000",
              "after=nonsense")) {
        HttpResponse<String> rejected = gateway.get("/api/sensors/" + id + "/readings?" + bad);
        assertEquals(400, rejected.statusCode(), bad + ": " + rejected.body());
        assertTrue(rejected.body().contains("\"status\":400"), rejected.body());
      }
      // The store's route sits beside the sensor routes without hiding them.
      assertEquals(200, gateway.get("/api/sensors/" + id).statusCode());
    }
  }

  @Test
  void postgresRestartedMidStreamLosesNothing() throws Exception {
    String url = context.getProperty("sensorgw.test.postgres.url");
    String restart = context.getProperty("sensorgw.test.postgres.restart");
    if (url == null || url.isBlank() || restart == null || restart.isBlank()) {
      fail(
          "SENSORGW_TEST_PG_URL and SENSORGW_TEST_PG_RESTART are not set: run runtime/bin/test, "
              + "which starts PostgreSQL for this test");
    }
    Gateway gateway = new Gateway(context);
    Configuration store = configAdmin.getConfiguration("io.sensorgw.store", "?");
    Hashtable<String, Object> props = new Hashtable<>();
    props.put("jdbc.url", url);
    props.put("user", context.getProperty("sensorgw.test.postgres.user"));
    props.put(".password", context.getProperty("sensorgw.test.postgres.password"));
    props.put("batch.size", "50");
    props.put("max.delay.ms", "100");
    store.update(props);
    String sensorId = "it-pg-" + System.currentTimeMillis();
    try {
      // The configuration is applied asynchronously: wait for the store that writes to PostgreSQL
      // (an answer could also come from the H2 store that was still there). A sensor neither
      // registered nor stored yet is 404 once the database is open (503 before).
      Gateway.await(
          () -> storeRegistered(ON_POSTGRES), "the store on PostgreSQL", this::diagnostics);
      // The password (key .password) is not among the service's properties.
      for (ServiceReference<?> service : context.getServiceReferences((String) null, ON_POSTGRES)) {
        for (String key : service.getPropertyKeys()) {
          assertFalse(
              key.toLowerCase(java.util.Locale.ROOT).contains("password"),
              "a password is published as service property " + key);
        }
      }
      gateway.getUntil(
          "/api/sensors/" + sensorId + "/readings?from=0",
          r -> r.statusCode() == 404 && r.body().contains("no readings of it are stored"),
          "history from PostgreSQL");
      Gateway.await(
          () -> String.valueOf(storeMetrics(ON_POSTGRES).get("failures")).equals("0"),
          "store up on PostgreSQL",
          this::diagnostics,
          Duration.ofMinutes(5));
      AtomicInteger counter = new AtomicInteger();
      List<Long> published;
      try (TestSensor sensor =
          new TestSensor(
                  context,
                  sensorId,
                  Duration.ZERO,
                  TestSensor.READ_TIMEOUT,
                  () ->
                      Measurement.of(
                          Quality.SIMULATED,
                          Map.of("distance", Value.of(counter.incrementAndGet(), "cm"))))
              .register(context, "tfluna")) {
        sensor.sampleEvery(Duration.ofMillis(5));
        Gateway.await(() -> sensor.published().size() >= 200, "200 readings before the restart");
        java.io.File output = java.io.File.createTempFile("pg-restart", ".out");
        Process process =
            new ProcessBuilder("sh", "-c", restart)
                .redirectErrorStream(true)
                .redirectOutput(output)
                .start();
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "restart finished");
        assertEquals(0, process.exitValue(), java.nio.file.Files.readString(output.toPath()));
        output.delete();
        int atRestart = sensor.published().size();
        Gateway.await(
            () -> sensor.published().size() >= atRestart + 200, "200 readings after the restart");
        // The producer stops first: once closed it publishes nothing more, so what it published
        // is known exactly (a snapshot taken while it ran missed a reading on its way).
        sensor.close();
        published = List.copyOf(sensor.published());
      }
      assertEquals(
          java.util.stream.LongStream.rangeClosed(1, published.size()).boxed().toList(),
          published,
          "the sensor published 1..n");
      // Then the store must have written every one of them: wait until it has, then compare
      // exactly.
      int expected = published.size();
      Gateway.await(
          () -> {
            try {
              return storedSequences(gateway, sensorId).size() >= expected;
            } catch (Exception e) {
              return false;
            }
          },
          "all " + expected + " readings stored",
          () -> {
            try {
              List<Long> stored = storedSequences(gateway, sensorId);
              long firstGap = -1;
              for (int i = 0; i < stored.size(); i++) {
                if (stored.get(i) != i + 1) {
                  firstGap = i + 1;
                  break;
                }
              }
              return "\nstored " + stored.size() + ", first missing " + firstGap + diagnostics();
            } catch (Exception e) {
              return e.toString();
            }
          },
          Duration.ofMinutes(5)); // the writer backs off up to 10 s while the server restarts
      assertTrue(
          storeMetrics(ON_POSTGRES).get("failures").longValue() >= 1,
          "the restart was noticed: " + storeMetrics());
      List<Long> stored = storedSequences(gateway, sensorId);
      assertEquals(published, stored, "every published reading stored once, in order");
    } finally {
      store.delete();
      // Back on H2 before the next test, which would otherwise write to a store going away.
      Gateway.await(
          () -> storeRegistered(NOT_ON_POSTGRES), "the store back on H2", this::diagnostics);
    }
  }
}
