package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.api.Value;
import io.sensorgw.core.Measurement;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.junit5.context.BundleContextExtension;

/** The HTTP API against sensors registered and unregistered while the framework runs. */
@ExtendWith(BundleContextExtension.class)
class SensorRoutesTest {
  @InjectBundleContext BundleContext context;
  private Gateway gateway;

  @BeforeEach
  void gateway() {
    gateway = new Gateway(context);
  }

  private static Measurement distance(double cm) {
    return Measurement.of(Quality.SIMULATED, Map.of("distance", Value.of(cm, "cm")));
  }

  @Test
  void sensorRegisteredAtRunTimeIsServedAndGoneWhenUnregistered() throws Exception {
    AtomicInteger accesses = new AtomicInteger();
    try (TestSensor sensor =
        new TestSensor(
                context,
                "it-range-1",
                Duration.ofHours(1), // cached for the whole test
                TestSensor.READ_TIMEOUT,
                () -> distance(100 + accesses.incrementAndGet()))
            .register(context, "tfluna")) {

      HttpResponse<String> list =
          gateway.getUntil(
              "/api/sensors", r -> r.body().contains("\"it-range-1\""), "sensor listed");
      assertEquals(200, list.statusCode());
      assertTrue(list.body().contains("\"model\":\"testdev\""), list.body());
      assertTrue(list.body().contains("\"executor\":{\"name\":\"it-range-1\""), list.body());

      HttpResponse<String> one = gateway.get("/api/sensors/it-range-1");
      assertEquals(200, one.statusCode());
      assertTrue(one.body().contains("\"simulated\":true"), one.body());

      HttpResponse<String> reading = gateway.get("/api/sensors/it-range-1/reading");
      assertEquals(200, reading.statusCode(), reading.body());
      assertTrue(
          reading.headers().firstValue("content-type").orElse("").startsWith("application/json"));
      assertTrue(reading.body().contains("\"sensor\":\"it-range-1\""), reading.body());
      assertTrue(reading.body().contains("\"quality\":\"simulated\""), reading.body());
      assertTrue(
          reading.body().contains("\"distance\":{\"value\":101.0,\"unit\":\"cm\"}"),
          reading.body());

      // Within max age the cached reading is served: the device is not touched again.
      HttpResponse<String> legacy = gateway.get("/tfluna/sensor");
      assertEquals(200, legacy.statusCode(), legacy.body());
      assertTrue(legacy.body().contains("\"value\":101.0"), legacy.body());
      assertEquals(1, accesses.get());

      sensor.unregister();
      HttpResponse<String> gone = gateway.get("/api/sensors/it-range-1/reading");
      assertEquals(404, gone.statusCode());
      assertTrue(gone.body().contains("\"error\":\"no sensor with id 'it-range-1'\""), gone.body());
      assertTrue(gone.body().contains("\"status\":404"), gone.body());
      assertEquals(404, gateway.get("/tfluna/sensor").statusCode());
    }
  }

  @Test
  void hungDeviceGives504AndNeverDelaysHealthOrOtherSensors() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    try (TestSensor hung =
            new TestSensor(
                    context,
                    "it-hung",
                    Duration.ZERO,
                    Duration.ofMillis(300),
                    () -> {
                      never.await();
                      return distance(1);
                    })
                .register(context, "hcsr04");
        TestSensor healthy =
            new TestSensor(
                    context,
                    "it-healthy",
                    Duration.ZERO,
                    TestSensor.READ_TIMEOUT,
                    () -> distance(42))
                .register(context, "mpu6050")) {
      gateway.getUntil(
          "/api/sensors",
          r -> r.body().contains("it-hung") && r.body().contains("it-healthy"),
          "both sensors listed");

      CompletableFuture<HttpResponse<String>> slow =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return gateway.get("/api/sensors/it-hung/reading");
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      // While the hung read is pending, other routes answer.
      assertEquals(200, gateway.get("/health").statusCode());
      HttpResponse<String> other = gateway.get("/api/sensors/it-healthy/reading");
      assertEquals(200, other.statusCode(), other.body());

      HttpResponse<String> timedOut = slow.get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      assertEquals(504, timedOut.statusCode(), timedOut.body());
      assertTrue(timedOut.body().contains("timed out"), timedOut.body());
      HttpResponse<String> health =
          gateway.getUntil(
              "/health",
              r -> r.body().contains("\"it-hung\":\"error\""),
              "hung sensor reported in error");
      assertTrue(health.body().contains("\"status\":\"degraded\""), health.body());
    }
  }

  @Test
  void failingDeviceGives503WithJsonError() throws Exception {
    try (TestSensor broken =
        new TestSensor(
                context,
                "it-broken",
                Duration.ZERO,
                TestSensor.READ_TIMEOUT,
                () -> {
                  throw new java.io.IOException("no such port /dev/ttyUSB9");
                })
            .register(context, "tfluna")) {
      gateway.getUntil("/api/sensors", r -> r.body().contains("it-broken"), "sensor listed");
      HttpResponse<String> failed = gateway.get("/api/sensors/it-broken/reading");
      assertEquals(503, failed.statusCode());
      assertTrue(failed.body().contains("no such port /dev/ttyUSB9"), failed.body());
      assertEquals(404, gateway.get("/api/sensors/it-broken/nonsense").statusCode());
      HttpResponse<String> post =
          gateway.send(
              java.net.http.HttpRequest.newBuilder(gateway.uri("/api/sensors/it-broken/reading"))
                  .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
      assertEquals(405, post.statusCode());
      assertTrue(post.body().contains("\"status\":405"), post.body());
    }
  }

  @Test
  void everyReadingReachesTheListenerWhiteboard() throws Exception {
    List<Reading> received = new CopyOnWriteArrayList<>();
    Hashtable<String, Object> props = new Hashtable<>();
    props.put(ReadingListener.SENSOR_FILTER, "it-listened");
    ServiceRegistration<ReadingListener> listener =
        context.registerService(ReadingListener.class, received::add, props);
    try (TestSensor sensor =
        new TestSensor(
                context, "it-listened", Duration.ZERO, TestSensor.READ_TIMEOUT, () -> distance(7))
            .register(context, "tfluna")) {
      gateway.getUntil("/api/sensors", r -> r.body().contains("it-listened"), "sensor listed");
      for (int i = 0; i < 3; i++) {
        assertEquals(200, gateway.get("/api/sensors/it-listened/reading").statusCode());
      }
      Gateway.await(() -> received.size() == 3, "three readings delivered to the listener");
      assertEquals(List.of(1L, 2L, 3L), received.stream().map(Reading::sequence).toList());
    } finally {
      listener.unregister();
    }
  }
}
