package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.HealthSource;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorState;
import io.sensorgw.api.Value;
import io.sensorgw.core.Measurement;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** The backpressure filter in a real Jetty, with real clients and slow sensors. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class BackpressureTest {
  private static final String PID = "io.sensorgw.backpressure";
  private static final Measurement READING =
      Measurement.of(Quality.SIMULATED, Map.of("distance", Value.of(1, "cm")));

  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  /** How long a held sensor may wait for its gate (the @AfterEach opens it at the latest). */
  private static final Duration HELD = Duration.ofMinutes(10);

  /** A wait for a permit that no test request should reach on a busy machine either. */
  private static final long NO_REJECTION_MS = Gateway.DEADLINE.toMillis();

  /** Opened by a test to let its held sensor answer; always opened at the end. */
  private final CountDownLatch gate = new CountDownLatch(1);

  @AfterEach
  void restoreDefaults() throws Exception {
    gate.countDown();
    Configuration config = configAdmin.getConfiguration(PID, "?");
    if (config.getProperties() != null) config.delete();
    Gateway.await(() -> limiter().get("limit").intValue() == 64, "default limit back");
  }

  private void configure(Object... keysAndValues) throws IOException {
    Dictionary<String, Object> props = new Hashtable<>();
    for (int i = 0; i < keysAndValues.length; i += 2)
      props.put((String) keysAndValues[i], keysAndValues[i + 1]);
    configAdmin.getConfiguration(PID, "?").update(props);
  }

  /** The limiter's figures, as /metrics shows them. */
  private Map<String, Number> limiter() {
    try {
      Collection<ServiceReference<MetricsSource>> refs =
          context.getServiceReferences(MetricsSource.class, "(metrics.name=backpressure)");
      if (refs.isEmpty()) return Map.of("limit", -1);
      MetricsSource source = context.getService(refs.iterator().next());
      return source == null ? Map.of("limit", -1) : source.metrics();
    } catch (org.osgi.framework.InvalidSyntaxException e) {
      throw new AssertionError(e);
    }
  }

  private long figure(String name) {
    return limiter().getOrDefault(name, -1).longValue();
  }

  /**
   * A backpressure metric by its series name, e.g. {@code limit} or {@code
   * rejected_queue_full_total}.
   */
  private static double metric(String exposition, String series) {
    String prefix = "sensorgw_backpressure_" + series + " ";
    return exposition
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + prefix + " in /metrics"));
  }

  /**
   * A sensor whose every read waits for the test's gate, like hardware that has not answered. Its
   * bounds are far beyond any test's length: only the test decides when it answers.
   */
  private TestSensor heldSensor(String id) {
    return new TestSensor(
            context,
            id,
            Duration.ZERO,
            HELD,
            () -> {
              if (!gate.await(HELD.toSeconds(), TimeUnit.SECONDS))
                throw new IllegalStateException("gate never opened");
              return READING;
            })
        .register(context, "tfluna");
  }

  /**
   * 200 requests on 10 permits for a device that has not answered: the ten admitted hold the
   * permits, and every other one is answered 503 with Retry-After once it has waited max.wait.ms,
   * before the device answers (so it is the limiter that ends the wait, not the device, nor the
   * client giving up). /health and /metrics answer meanwhile. How long anything takes on this
   * machine does not change who gets what.
   */
  @Test
  void twoHundredRequestsOnTenPermitsEachSucceedOrGet503AfterTheWaitWhileHealthStaysUp()
      throws Exception {
    long maxWaitMs = 1500;
    configure("mode", "fixed", "permits", 10, "max.wait.ms", maxWaitMs, "max.queue", 500);
    Gateway.await(() -> figure("limit") == 10, "limit 10 applied");
    Gateway gateway = new Gateway(context);
    long rejectedBefore = figure("rejectedWaitedTooLong");
    HttpClient client = HttpClient.newBuilder().connectTimeout(Gateway.DEADLINE).build();
    try (TestSensor held = heldSensor("it-slow")) {
      gateway.getUntil("/api/sensors", r -> r.body().contains("it-slow"), "held sensor listed");
      Gateway.await(() -> figure("inFlight") == 0, "the listing's permit returned");
      record Outcome(int status, long millis, String retryAfter, String body) {}
      List<CompletableFuture<Outcome>> requests = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        long start = System.nanoTime();
        requests.add(
            client
                .sendAsync(
                    HttpRequest.newBuilder(gateway.uri("/api/sensors/it-slow/reading"))
                        .timeout(HELD)
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .thenApply(
                    r ->
                        new Outcome(
                            r.statusCode(),
                            (System.nanoTime() - start) / 1_000_000,
                            r.headers().firstValue("Retry-After").orElse(""),
                            r.body())));
      }
      Gateway.await(
          () -> figure("waiting") > 0 && figure("inFlight") == 10,
          "requests queued behind 10 permits",
          () -> " " + limiter());
      // /health and /metrics are not behind the limit: they answer while requests are queued.
      assertEquals(200, gateway.get("/health").statusCode());
      HttpResponse<String> metrics = gateway.get("/metrics");
      assertEquals(200, metrics.statusCode());
      assertEquals(10.0, metric(metrics.body(), "limit"), "limiter state in /metrics");
      assertTrue(figure("waiting") > 0, "health answered while others waited");

      // The 190 that found no permit are all turned away while the device still holds the ten.
      Gateway.await(
          () ->
              requests.stream().filter(r -> r.isDone() && r.join().status() == 503).count() == 190,
          "190 answered 503 while the device has not answered",
          () -> " " + limiter());
      assertEquals(
          10L, requests.stream().filter(r -> !r.isDone()).count(), "the ten admitted still wait");
      Gateway.await(
          () -> held.metrics().get("reads").longValue() == 10,
          "only the ten admitted reached the device",
          () -> " " + held.metrics());
      gate.countDown();

      List<Outcome> outcomes = new ArrayList<>();
      for (CompletableFuture<Outcome> request : requests) {
        outcomes.add(request.get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS));
      }
      long ok = outcomes.stream().filter(o -> o.status() == 200).count();
      List<Outcome> busy = outcomes.stream().filter(o -> o.status() == 503).toList();
      assertEquals(
          10,
          ok,
          "the ten admitted succeed: "
              + outcomes.stream().map(Outcome::status).distinct().toList());
      assertEquals(190, busy.size());
      for (Outcome rejected : busy) {
        assertEquals("1", rejected.retryAfter());
        assertTrue(rejected.body().contains("\"error\":\"gateway busy"), rejected.body());
        // It waited the configured time first (a lower bound holds on any machine).
        assertTrue(rejected.millis() >= maxWaitMs, "503 after " + rejected.millis() + " ms");
      }
      assertEquals(busy.size(), figure("rejectedWaitedTooLong") - rejectedBefore);
      Gateway.await(
          () -> figure("inFlight") == 0 && figure("waiting") == 0,
          "every permit returned",
          () -> " " + limiter());
      assertEquals(
          figure("rejectedWaitedTooLong"),
          metric(gateway.get("/metrics").body(), "rejected_waited_too_long_total"),
          "rejections counted in /metrics");
    }
  }

  /**
   * A client that closes its connection gives back what it held at once, not when its device
   * answers: its place in the queue (closed with FIN) and its permit (closed with RST), while the
   * device is still busy. The permit is really free: the next request is admitted and answered.
   */
  @Test
  void aClientThatLeavesGivesBackItsPlaceAndItsPermitAtOnce() throws Exception {
    configure("permits", 1, "max.wait.ms", NO_REJECTION_MS);
    Gateway.await(() -> figure("limit") == 1, "limit 1 applied");
    Gateway gateway = new Gateway(context);
    URI reading = gateway.uri("/api/sensors/it-held/reading");
    try (TestSensor held = heldSensor("it-held")) {
      gateway.getUntil("/api/sensors", r -> r.body().contains("it-held"), "held sensor listed");
      Gateway.await(() -> figure("inFlight") == 0, "the listing's permit returned");
      long abandoned = figure("abandonedWhileWaiting");
      long released = figure("releasedOnDisconnect");
      Socket running = open(reading);
      Gateway.await(() -> figure("inFlight") == 1, "first request holds the permit");
      Socket waiting = open(reading);
      Gateway.await(() -> figure("waiting") == 1, "second request queued");

      waiting.close();
      Gateway.await(
          () -> figure("waiting") == 0 && figure("abandonedWhileWaiting") == abandoned + 1,
          "the waiting client's place given back",
          () -> " " + limiter());
      assertEquals(1, figure("inFlight"), "the running request still holds its permit");

      running.setSoLinger(true, 0); // close with a reset
      running.close();
      Gateway.await(
          () -> figure("inFlight") == 0 && figure("releasedOnDisconnect") == released + 1,
          "the running client's permit given back before its device answered",
          () -> " " + limiter());
      assertEquals(
          1L, held.metrics().get("reads").longValue(), "the device is still on its first read");

      try (Socket next = open(reading)) {
        Gateway.await(
            () -> figure("inFlight") == 1 && figure("waiting") == 0,
            "the next request admitted at once");
        gate.countDown();
        assertEquals(200, readResponse(next).status());
      }
      Gateway.await(
          () -> figure("inFlight") == 0 && figure("waiting") == 0,
          "every permit returned",
          () -> " " + limiter());
    }
  }

  /**
   * The watch on a waiting client's connection ends before its request runs: the answer comes, and
   * the same connection carries the next request (keep-alive is not broken by the watch).
   */
  @Test
  void aRequestThatWaitedKeepsItsConnectionForTheNext() throws Exception {
    configure("permits", 1, "max.wait.ms", NO_REJECTION_MS);
    Gateway.await(() -> figure("limit") == 1, "limit 1 applied");
    Gateway gateway = new Gateway(context);
    URI reading = gateway.uri("/api/sensors/it-kept/reading");
    try (TestSensor held = heldSensor("it-kept")) {
      gateway.getUntil("/api/sensors", r -> r.body().contains("it-kept"), "held sensor listed");
      Gateway.await(() -> figure("inFlight") == 0, "the listing's permit returned");
      try (Socket first = open(reading);
          Socket second = open(reading)) {
        Gateway.await(
            () -> figure("inFlight") == 1 && figure("waiting") == 1, "one runs, one waits");
        gate.countDown();
        assertEquals(200, readResponse(first).status());
        RawResponse waited = readResponse(second);
        assertEquals(200, waited.status(), waited.body());
        assertTrue(waited.body().contains("\"distance\""), waited.body());
        send(second, reading); // keep-alive: the next request on the same connection
        assertEquals(200, readResponse(second).status());
      }
      Gateway.await(
          () -> figure("inFlight") == 0 && figure("waiting") == 0,
          "every permit returned",
          () -> " " + limiter());
    }
  }

  /**
   * Clients leaving at any moment (queued, granted, running, answered), by FIN or by RST, while
   * others stay: those that stay are answered, and every permit and place comes back.
   */
  @Test
  void clientsLeavingAtAnyMomentLeakNothingAndTheOthersAreServed() throws Exception {
    configure("permits", 2, "max.wait.ms", NO_REJECTION_MS, "max.queue", 500);
    Gateway.await(() -> figure("limit") == 2, "limit 2 applied");
    Gateway gateway = new Gateway(context);
    URI reading = gateway.uri("/api/sensors/it-busy/reading");
    java.util.Random random = new java.util.Random(7);
    java.util.concurrent.ScheduledExecutorService clients =
        java.util.concurrent.Executors.newScheduledThreadPool(4);
    // A device that takes 30 ms per acquisition: requests queue behind 2 permits for a while. Its
    // first acquisition waits for the gate, so that some clients certainly leave before their
    // answer, however fast or slow this machine serves them.
    try (TestSensor busy =
        new TestSensor(
                context,
                "it-busy",
                Duration.ZERO,
                TestSensor.READ_TIMEOUT,
                () -> {
                  if (!gate.await(HELD.toSeconds(), TimeUnit.SECONDS))
                    throw new IllegalStateException("gate never opened");
                  Thread.sleep(30);
                  return READING;
                })
            .register(context, "tfluna")) {
      gateway.getUntil("/api/sensors", r -> r.body().contains("it-busy"), "busy sensor listed");
      Gateway.await(() -> figure("inFlight") == 0, "the listing's permit returned");
      long leftBefore = figure("abandonedWhileWaiting") + figure("releasedOnDisconnect");
      List<Socket> staying = new ArrayList<>();
      List<java.util.concurrent.ScheduledFuture<?>> leaving = new ArrayList<>();
      for (int i = 0; i < 90; i++) {
        Socket socket = open(reading);
        if (i % 3 == 0) {
          staying.add(socket);
          continue;
        }
        boolean reset = i % 3 == 1;
        leaving.add(
            clients.schedule(
                () -> {
                  if (reset) socket.setSoLinger(true, 0);
                  socket.close();
                  return null;
                },
                random.nextInt(400),
                TimeUnit.MILLISECONDS));
      }
      Gateway.await(
          () -> figure("abandonedWhileWaiting") + figure("releasedOnDisconnect") > leftBefore,
          "clients seen leaving before their answer",
          () -> " " + limiter());
      gate.countDown();
      for (java.util.concurrent.ScheduledFuture<?> leave : leaving)
        leave.get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      for (Socket socket : staying) {
        try (socket) {
          RawResponse response = readResponse(socket);
          assertEquals(200, response.status(), response.body());
        }
      }
      Gateway.await(
          () -> figure("inFlight") == 0 && figure("waiting") == 0,
          "every permit and place returned",
          () -> " " + limiter());
      assertEquals(
          figure("admitted"), figure("completed"), "every admitted request released its permit");
      assertTrue(
          figure("abandonedWhileWaiting") + figure("releasedOnDisconnect") > leftBefore,
          "some clients were seen leaving before their answer: " + limiter());
      assertEquals(
          200,
          gateway.get("/api/sensors/it-busy/reading").statusCode(),
          "and the limiter still admits");
    } finally {
      clients.shutdownNow();
    }
  }

  /**
   * A mode the filter does not know is not quietly replaced: /health shows it as an error naming
   * the setting, the value and the allowed values, while the fixed limit keeps the routes limited;
   * a corrected mode clears it.
   */
  @Test
  void anUnknownModeIsAnErrorInHealthAndTheFixedLimitRunsMeanwhile() throws Exception {
    Gateway gateway = new Gateway(context);
    configure("mode", "adaptve", "permits", 3);
    Gateway.await(
        () -> figure("adaptive") == 0 && figure("limit") == 3, "the fixed limit, 3 permits");
    HealthSource.Health health = backpressureHealth();
    assertEquals(SensorState.ERROR, health.state());
    assertTrue(
        health.reason().startsWith("mode must be fixed or adaptive, was \"adaptve\""),
        health.reason());
    HttpResponse<String> page =
        gateway.getUntil(
            "/health",
            r -> r.body().contains("mode must be fixed or adaptive, was \\\"adaptve\\\""),
            "/health names the refused mode");
    assertTrue(page.body().contains("\"status\":\"degraded\""), page.body());

    configure("mode", "adaptive", "adaptive.initial.limit", 7);
    Gateway.await(
        () -> figure("adaptive") == 1 && backpressureHealth().state() == SensorState.OK,
        "adaptive mode, and healthy again");
  }

  private HealthSource.Health backpressureHealth() {
    try {
      Collection<ServiceReference<HealthSource>> refs =
          context.getServiceReferences(HealthSource.class, "(health.name=backpressure)");
      assertEquals(1, refs.size(), "one backpressure health source");
      HealthSource source = context.getService(refs.iterator().next());
      return source.health();
    } catch (org.osgi.framework.InvalidSyntaxException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void configurationAppliesLiveAndRemovingTheBundleRemovesTheLimit() throws Exception {
    configure("mode", "adaptive", "adaptive.initial.limit", 7);
    Gateway.await(
        () -> figure("adaptive") == 1 && figure("limit") == 7, "adaptive mode, initial limit 7");
    configure("mode", "fixed", "permits", 1, "max.wait.ms", NO_REJECTION_MS);
    Gateway.await(() -> figure("adaptive") == 0 && figure("limit") == 1, "fixed mode, 1 permit");
    Gateway gateway = new Gateway(context);
    Bundle limiterBundle =
        Arrays.stream(context.getBundles())
            .filter(b -> b.getSymbolicName().equals("io.sensorgw.backpressure"))
            .findFirst()
            .orElseThrow();
    HttpClient client = HttpClient.newHttpClient();
    try (TestSensor held = heldSensor("it-unlimited")) {
      gateway.getUntil("/api/sensors", r -> r.body().contains("it-unlimited"), "sensor listed");
      Sensor sensor = held;
      List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
      requests.add(
          client.sendAsync(
              HttpRequest.newBuilder(gateway.uri("/api/sensors/it-unlimited/reading")).build(),
              HttpResponse.BodyHandlers.ofString()));
      requests.add(
          client.sendAsync(
              HttpRequest.newBuilder(gateway.uri("/api/sensors/it-unlimited/reading")).build(),
              HttpResponse.BodyHandlers.ofString()));
      Gateway.await(() -> figure("inFlight") == 1 && figure("waiting") == 1, "one runs, one waits");
      assertEquals(
          1L,
          sensor.metrics().get("reads").longValue(),
          "the waiting one has not reached the sensor");

      limiterBundle.stop();
      try {
        // The waiter is let through as the filter leaves, and new requests are no longer limited.
        Gateway.await(
            () -> sensor.metrics().get("reads").longValue() == 2, "the waiter reaches the sensor");
        for (int i = 0; i < 3; i++) {
          requests.add(
              client.sendAsync(
                  HttpRequest.newBuilder(gateway.uri("/api/sensors/it-unlimited/reading")).build(),
                  HttpResponse.BodyHandlers.ofString()));
        }
        Gateway.await(
            () -> sensor.metrics().get("reads").longValue() == 5, "five reads at once, no limit");
        assertEquals(200, gateway.get("/health").statusCode());
        gate.countDown();
        for (CompletableFuture<HttpResponse<String>> request : requests) {
          assertEquals(
              200, request.get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS).statusCode());
        }
      } finally {
        limiterBundle.start();
      }
      Gateway.await(() -> figure("limit") == 1, "limiter back with its configuration");
    }
  }

  /** Sends a GET on a raw socket and leaves it open: the test decides when the client leaves. */
  private static Socket open(URI uri) throws IOException {
    Socket socket = new Socket(uri.getHost(), uri.getPort());
    socket.setSoTimeout((int) Gateway.DEADLINE.toMillis());
    send(socket, uri);
    return socket;
  }

  private static void send(Socket socket, URI uri) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private record RawResponse(int status, String body) {}

  /**
   * Reads one HTTP/1.1 response (Content-Length or chunked body) and leaves the connection open.
   */
  private static RawResponse readResponse(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    String statusLine = line(in);
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    int length = -1;
    boolean chunked = false;
    for (String header = line(in); !header.isEmpty(); header = line(in)) {
      String lower = header.toLowerCase(java.util.Locale.ROOT);
      if (lower.startsWith("content-length:"))
        length = Integer.parseInt(lower.substring(15).trim());
      if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) chunked = true;
    }
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    if (chunked) {
      for (int size = Integer.parseInt(line(in).trim(), 16);
          size > 0;
          size = Integer.parseInt(line(in).trim(), 16)) {
        body.write(in.readNBytes(size));
        line(in);
      }
      line(in);
    } else if (length > 0) {
      body.write(in.readNBytes(length));
    }
    return new RawResponse(status, body.toString(StandardCharsets.UTF_8));
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder text = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) throw new IOException("connection closed mid-response after: " + text);
      if (c != '\r') text.append((char) c);
    }
    return text.toString();
  }
}
