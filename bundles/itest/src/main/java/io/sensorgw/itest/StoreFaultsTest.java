package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.HealthSource;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Value;
import io.sensorgw.core.Measurement;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/**
 * The store meets bad data and hostile queries inside Felix (issue #17): a sensor whose id is too
 * long for the database is set aside and counted while the others are stored, and /health says the
 * store is degraded; a query over a huge window is refused with 400 while the store keeps writing.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class StoreFaultsTest {
  private static final Duration GENEROUS = Duration.ofMinutes(3);
  private static final Pattern COUNT = Pattern.compile("\"count\":(\\d+)");

  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  private Map<String, Number> storeMetrics() {
    ServiceReference<MetricsSource> ref;
    try {
      ref =
          context.getServiceReferences(MetricsSource.class, "(metrics.name=store)").stream()
              .findFirst()
              .orElse(null);
    } catch (InvalidSyntaxException e) {
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

  private long metric(String name) {
    Number value = storeMetrics().get(name);
    return value == null ? -1 : value.longValue();
  }

  /** How many readings of the sensor the history holds (first page of up to 10000). */
  private static long stored(Gateway gateway, String sensorId) {
    try {
      HttpResponse<String> page =
          gateway.get("/api/sensors/" + sensorId + "/readings?from=0&limit=10000");
      if (page.statusCode() != 200) return -1;
      Matcher count = COUNT.matcher(page.body());
      return count.find() ? Long.parseLong(count.group(1)) : -1;
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  /** Applies store settings and waits until the store component runs with them. */
  private Configuration configureStore(Map<String, Object> settings) throws Exception {
    Configuration store = configAdmin.getConfiguration("io.sensorgw.store", "?");
    Hashtable<String, Object> props = new Hashtable<>(settings);
    String marker =
        "faults-" + System.nanoTime(); // the component publishes its configuration's properties
    props.put("it.marker", marker);
    store.update(props);
    Gateway.await(
        () -> {
          try {
            return !context
                .getServiceReferences(
                    HealthSource.class, "(&(health.name=store)(it.marker=" + marker + "))")
                .isEmpty();
          } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
          }
        },
        "the store running with the test's settings",
        () -> "",
        GENEROUS);
    return store;
  }

  private TestSensor sampling(String id, AtomicInteger counter) {
    TestSensor sensor =
        new TestSensor(
                context,
                id,
                Duration.ZERO,
                TestSensor.READ_TIMEOUT,
                () ->
                    Measurement.of(
                        Quality.SIMULATED,
                        Map.of("distance", Value.of(counter.incrementAndGet(), "cm"))))
            .register(context, "tfluna");
    sensor.sampleEvery(Duration.ofMillis(10));
    return sensor;
  }

  @Test
  void aSensorIdTooLongForTheDatabaseIsSetAsideWhileOthersAreStoredAndHealthSaysDegraded()
      throws Exception {
    Gateway gateway = new Gateway(context);
    // A fresh store (its dead-letter state too); deleting the configuration at the end gives the
    // next test a fresh one again.
    Configuration store = configureStore(Map.of("batch.size", "20", "max.delay.ms", "100"));
    long stamp = System.currentTimeMillis();
    String goodId = "it-faults-ok-" + stamp;
    String prefix = "it-faults-long-" + stamp + "-";
    String longId = prefix + "x".repeat(129 - prefix.length());
    assertEquals(129, longId.length());
    AtomicInteger good = new AtomicInteger();
    AtomicInteger bad = new AtomicInteger();
    try (TestSensor normal = sampling(goodId, good);
        TestSensor tooLong = sampling(longId, bad)) {
      Gateway.await(
          () -> stored(gateway, goodId) >= 50,
          "50 readings of the normal sensor stored",
          () -> "; store metrics " + storeMetrics(),
          GENEROUS);
      Gateway.await(
          () -> metric("deadLetters") >= 20,
          "the long id's readings counted as dead letters",
          () -> "; store metrics " + storeMetrics(),
          GENEROUS);
      HttpResponse<String> health =
          gateway.getUntil(
              "/health",
              r -> r.body().contains("\"store\":{\"state\":\"degraded\""),
              "the store degraded in /health");
      assertTrue(health.body().contains("\"status\":\"degraded\""), health.body());
      assertTrue(health.body().contains("longer than 128 characters (129)"), health.body());
      // It keeps storing the normal sensor; the long one's readings never reach the database.
      long before = stored(gateway, goodId);
      Gateway.await(
          () -> stored(gateway, goodId) >= before + 20,
          "the normal sensor still stored",
          () -> "; store metrics " + storeMetrics(),
          GENEROUS);
      assertEquals(0, metric("batchSplits"), "set aside at the door, not by failing batches");
      HttpResponse<String> history = gateway.get("/api/sensors/" + longId + "/readings");
      assertEquals(404, history.statusCode(), history.body());
      assertTrue(history.body().contains("\"status\":404"), history.body());
    } finally {
      store.delete();
    }
  }

  @Test
  void aHugeWindowIsRefusedWith400WhileTheStoreKeepsWriting() throws Exception {
    Gateway gateway = new Gateway(context);
    String id = "it faults window " + System.currentTimeMillis(); // spaces: the route decodes %20
    String path = "/api/sensors/" + id.replace(" ", "%20") + "/readings";
    AtomicInteger counter = new AtomicInteger();
    try (TestSensor sensor = sampling(id, counter)) {
      Gateway.await(
          () -> stored(gateway, id.replace(" ", "%20")) >= 10,
          "10 readings stored",
          () -> "; store metrics " + storeMetrics(),
          GENEROUS);
      long writtenBefore = metric("written");

      HttpResponse<String> buckets = gateway.get(path + "?every=1ms&from=0");
      assertEquals(400, buckets.statusCode(), buckets.body());
      assertTrue(
          buckets.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
      assertTrue(buckets.body().contains("more than 10000 (max.buckets)"), buckets.body());
      HttpResponse<String> limit = gateway.get(path + "?from=0&limit=100000");
      assertEquals(400, limit.statusCode(), limit.body());
      assertTrue(limit.body().contains("from 1 to 10000 (max.limit)"), limit.body());
      for (String date :
          List.of("from=%2B1000000000-01-01T00:00:00Z", "to=-1000000000-01-01T00:00:00Z")) {
        HttpResponse<String> rejected = gateway.get(path + "?" + date);
        assertEquals(400, rejected.statusCode(), date + ": " + rejected.body());
        assertTrue(rejected.body().contains("\"status\":400"), rejected.body());
      }
      HttpResponse<String> unknown = gateway.get("/api/sensors/it-faults-nobody/readings");
      assertEquals(404, unknown.statusCode(), unknown.body());
      assertTrue(unknown.body().contains("\"status\":404"), unknown.body());

      // The store went on writing meanwhile, and still answers a bounded query.
      Gateway.await(
          () -> metric("written") >= writtenBefore + 20,
          "the store still writing",
          () -> "; store metrics " + storeMetrics(),
          GENEROUS);
      HttpResponse<String> page = gateway.get(path + "?from=0&limit=5");
      assertEquals(200, page.statusCode(), page.body());
      assertTrue(page.body().contains("\"count\":5"), page.body());
      assertTrue(metric("historyRefused") >= 4, "refusals counted: " + storeMetrics());
    }
  }
}
