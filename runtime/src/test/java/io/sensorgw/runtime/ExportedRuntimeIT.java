package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported runtime as a user runs it: {@code runtime/bin/start} in a fresh home folder on a
 * free port, driven over HTTP and through its config/ and deploy/ folders.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExportedRuntimeIT {
  private RunningGateway gateway;
  private Path home;
  private Path log;
  private int port;

  @BeforeAll
  void start(@TempDir Path tempHome) throws Exception {
    // The tests below wait for changed credentials by trying them: no throttling of those tries.
    Files.createDirectories(tempHome.resolve("config"));
    Files.writeString(tempHome.resolve("config/io.sensorgw.security.cfg"), "failures.max=1000\n");
    gateway = new RunningGateway(tempHome);
    home = gateway.home;
    log = gateway.log;
    port = gateway.port;
  }

  @AfterAll
  void stopIfStillRunning() throws Exception {
    if (gateway != null) gateway.close(); // null: it did not come up, and stopped itself
  }

  @Test
  @Order(1)
  void healthAndApiAnswer() throws Exception {
    HttpResponse<String> health = get("/health", null);
    assertEquals(200, health.statusCode());
    assertTrue(health.body().contains("\"status\":"), health.body());
    HttpResponse<String> missing = get("/api/sensors/no-such-sensor/reading", null);
    assertEquals(404, missing.statusCode());
    assertTrue(missing.body().contains("\"status\":404"), missing.body());
  }

  @Test
  @Order(1)
  void theLiveStreamReachesAWebSocketClientAndTheLimiterIsInMetrics() throws Exception {
    CompletableFuture<String> first = new CompletableFuture<>();
    WebSocket.Listener listener =
        new WebSocket.Listener() {
          @Override
          public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            first.complete(data.toString());
            return null;
          }
        };
    // /health answers before every whiteboard servlet is registered: retry until /ws is there.
    AtomicReference<WebSocket> socket = new AtomicReference<>();
    await(
        () -> {
          try {
            socket.set(
                HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .header("Authorization", gateway.bearer())
                    .buildAsync(
                        URI.create("ws://127.0.0.1:" + port + "/ws?sensor=tfluna-1"), listener)
                    .get(30, TimeUnit.SECONDS));
            return true;
          } catch (Exception e) {
            return false;
          }
        },
        "a WebSocket connection to /ws");
    String reading = first.get(RunningGateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    assertTrue(reading.startsWith("{\"sensor\":\"tfluna-1\""), reading);
    assertTrue(reading.contains("\"quality\":\"simulated\""), reading);
    socket.get().abort();

    // /health answers before every bundle has registered its metrics: wait for the limiter's.
    awaitResponse(
        "/metrics",
        r -> r.body().contains("\nsensorgw_backpressure_limit 64"),
        "default limiter in /metrics");
  }

  @Test
  @Order(2)
  void theDefaultSimulatedTfLunaServesReadingsAndCanBeRemovedAndRedeployed() throws Exception {
    HttpResponse<String> reading =
        awaitResponse(
            "/api/sensors/tfluna-1/reading",
            r -> r.statusCode() == 200,
            "simulated TF-Luna reading");
    assertTrue(
        reading.body().contains("\"quality\":\"simulated\"")
            || reading.body().contains("\"quality\":\"error\""),
        reading.body());
    assertTrue(reading.body().contains("\"distance\":{\"value\":"), reading.body());
    HttpResponse<String> legacy =
        awaitResponse("/tfluna/sensor", r -> r.statusCode() == 200, "the old route");
    assertTrue(legacy.body().contains("\"sensor\":\"tfluna-1\""), legacy.body());

    HttpResponse<String> imu =
        awaitResponse("/mpu6050/sensor", r -> r.statusCode() == 200, "simulated MPU-6050 reading");
    assertTrue(imu.body().contains("\"quality\":\"simulated\""), imu.body());
    assertTrue(imu.body().contains("\"accel_z\":{\"value\":"), imu.body());

    HttpResponse<String> sonar =
        awaitResponse("/hcsr04/sensor", r -> r.statusCode() == 200, "simulated HC-SR04 reading");
    assertTrue(sonar.body().contains("\"sensor\":\"hcsr04-1\""), sonar.body());
    assertTrue(
        sonar.body().contains("\"quality\":\"simulated\"")
            || sonar.body().contains("\"quality\":\"error\""),
        sonar.body());

    HttpResponse<String> camera =
        awaitResponse("/imx477/sensor", r -> r.statusCode() == 200, "simulated camera reading");
    assertTrue(camera.body().contains("\"luminosity\":{\"value\":"), camera.body());
    assertTrue(camera.body().contains("\"frame_width\":{\"value\":2028.0"), camera.body());
    HttpResponse<byte[]> frame =
        HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + port
                                + "/api/sensors/imx477-1/frame.jpg?overlay=true"))
                    .header("Authorization", gateway.bearer())
                    .timeout(RunningGateway.DEADLINE)
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, frame.statusCode());
    assertEquals(
        2028,
        javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(frame.body())).getWidth());

    // The driver is a hot-deployed bundle: removing it removes the sensor, putting it back restores
    // it.
    Path bundle = home.resolve("deploy/io.sensorgw.device.tfluna.jar");
    Path aside = home.resolve("tfluna.jar.aside");
    Files.move(bundle, aside);
    // While its bundle goes away the sensor answers 503 "being updated", then 404 once settled.
    HttpResponse<String> gone =
        awaitResponse(
            "/api/sensors/tfluna-1/reading",
            r -> r.statusCode() == 503 || r.statusCode() == 404,
            "sensor gone");
    assertTrue(
        gone.statusCode() == 404 || gone.headers().firstValue("Retry-After").isPresent(),
        gone.body());
    assertEquals(200, status("/health", null));
    Files.move(aside, bundle);
    awaitResponse("/api/sensors/tfluna-1/reading", r -> r.statusCode() == 200, "sensor back");
  }

  @Test
  @Order(3)
  void consoleRefusesAnonymousAndAdminAdminAndOpensWithTheGeneratedPassword() throws Exception {
    // The console's login component writes the password when it starts, which may be after
    // /health answers: wait for it (and so for the console) first.
    Path passwordFile = home.resolve("data/console-password");
    await(() -> Files.isRegularFile(passwordFile), "generated password stored in data/");
    assertEquals(401, status("/system/console/bundles", null));
    assertEquals(401, status("/system/console/bundles", basic("admin", "admin")));
    String password = Files.readString(passwordFile).trim();
    assertTrue(password.length() >= 16, "a long random password");
    assertEquals(200, status("/system/console/bundles", basic("admin", password)));
    await(
        () -> {
          try {
            return Files.readString(log).contains(passwordFile.toString());
          } catch (IOException e) {
            return false;
          }
        },
        "the log says where the password is");
  }

  @Test
  @Order(4)
  void aConfigFileInConfigChangesTheConsoleLogin() throws Exception {
    Files.writeString(
        home.resolve("config/io.sensorgw.console.cfg"),
        "username=operator\n.password=from-a-file-1\n");
    await(
        () -> status("/system/console/bundles", basic("operator", "from-a-file-1")) == 200,
        "console accepts the credentials from config/io.sensorgw.console.cfg");
    assertEquals(401, status("/system/console/bundles", basic("admin", "admin")));
    Files.delete(home.resolve("config/io.sensorgw.console.cfg"));
    String generated = Files.readString(home.resolve("data/console-password")).trim();
    await(
        () -> status("/system/console/bundles", basic("admin", generated)) == 200,
        "deleting the file brings back the generated password");
  }

  @Test
  @Order(5)
  void aBundleDroppedIntoDeployStartsAndLeavesWhenRemoved() throws Exception {
    String password = Files.readString(home.resolve("data/console-password")).trim();
    String auth = basic("admin", password);
    Path bundle = home.resolve("deploy/io.sensorgw.e2e.probe.jar");
    Path staged = home.resolve("probe.tmp");
    writeBundle(staged, "io.sensorgw.e2e.probe", "1.0.0");
    Files.move(staged, bundle); // appear whole, never half-written

    await(() -> bundleState(auth, "io.sensorgw.e2e.probe").equals("Active"), "probe bundle active");
    Files.delete(bundle);
    await(() -> bundleState(auth, "io.sensorgw.e2e.probe").isEmpty(), "probe bundle uninstalled");
  }

  @Test
  @Order(6)
  void theSensorsPageRendersARowPerSensorInARealBrowser() throws Exception {
    String password = Files.readString(home.resolve("data/console-password")).trim();
    awaitResponse("/mpu6050/sensor", r -> r.statusCode() == 200, "both sensors up");
    Path profile = Files.createTempDirectory(home, "chromium");
    Path domFile = home.resolve("chromium-dom.html");
    // Chromium and every process it starts end with this test, pass or fail; the DOM goes to a
    // file, so a browser that never ends cannot hold the test on its output.
    Process browser =
        Processes.start(
            new ProcessBuilder(
                    System.getenv().getOrDefault("CHROMIUM", "chromium"),
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--user-data-dir=" + profile,
                    "--virtual-time-budget=3000",
                    "--dump-dom",
                    "http://admin:" + password + "@127.0.0.1:" + port + "/system/console/sensors")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(domFile.toFile()));
    String dom;
    try {
      assertTrue(
          browser.waitFor(RunningGateway.DEADLINE.toSeconds(), TimeUnit.SECONDS),
          "browser finished");
      dom = Files.readString(domFile, StandardCharsets.UTF_8);
    } finally {
      Processes.stop(browser);
    }
    assertTrue(dom.contains("<tr data-sensor=\"tfluna-1\""), "a row for tfluna-1:\n" + dom);
    assertTrue(dom.contains("<tr data-sensor=\"mpu6050-1\""), "a row for mpu6050-1");
    assertTrue(
        dom.contains("configMgr/io.sensorgw.device.tfluna~sim"),
        "a link to the sensor's configuration");
    assertTrue(
        dom.matches("(?s).*<td>#\\d+ simulated: distance [0-9.]+ cm.*"),
        "the latest TF-Luna reading");
    assertTrue(
        dom.contains("data-source=\"store\"") && dom.contains("<td>written</td>"),
        "the store's figures");
  }

  @Test
  @Order(7)
  void stopsCleanlyAndReleasesThePort() throws Exception {
    gateway.process.destroy(); // SIGTERM, as a service manager stops it
    assertTrue(
        gateway.process.waitFor(RunningGateway.DEADLINE.toSeconds(), TimeUnit.SECONDS),
        "exited within the deadline"); // the framework gives its bundles at most 30 s
    int exit = gateway.process.exitValue();
    assertTrue(exit == 0 || exit == 143, "clean exit code, was " + exit);
    String output = Files.readString(log);
    assertTrue(output.contains("Stopped Jetty"), "the HTTP server was stopped, not killed");
    assertFalse(output.contains("Exception in thread"), "no thread died with an exception");
    // Nothing in this run is meant to fail: an ERROR line is a fault nobody asked for (e.g. a
    // service cycle between components, which the framework only logs).
    List<String> errors =
        output.lines().filter(line -> line.matches("^[0-9:.]+ ERROR .*")).toList();
    assertEquals(
        List.of(),
        errors,
        () ->
            "no ERROR in the log of a run with the default configuration:\n"
                + output.substring(
                    output.indexOf(errors.get(0)),
                    Math.min(output.length(), output.indexOf(errors.get(0)) + 6000)));
    try (Socket socket = new Socket("127.0.0.1", port)) {
      throw new AssertionError("port " + port + " still accepts connections");
    } catch (ConnectException expected) {
      // the port is free
    }
  }

  /** The state the Web Console reports for a bundle, or "" when it is not installed. */
  private String bundleState(String auth, String symbolicName) {
    try {
      HttpResponse<String> response = get("/system/console/bundles.json", auth);
      if (response.statusCode() != 200) return "error " + response.statusCode();
      String body = response.body();
      int at = body.indexOf("\"symbolicName\":\"" + symbolicName + "\"");
      if (at < 0) return "";
      int start = body.lastIndexOf('{', at);
      int stateAt = body.indexOf("\"state\":\"", start) + "\"state\":\"".length();
      return body.substring(stateAt, body.indexOf('"', stateAt));
    } catch (IOException e) {
      return "unreachable";
    }
  }

  private static void writeBundle(Path jar, String symbolicName, String version)
      throws IOException {
    Manifest manifest = new Manifest();
    Attributes main = manifest.getMainAttributes();
    main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    main.putValue("Bundle-ManifestVersion", "2");
    main.putValue("Bundle-SymbolicName", symbolicName);
    main.putValue("Bundle-Version", version);
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
      jarOut.closeEntry();
    }
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> get(String path, String authorization) throws IOException {
    return gateway.get(path, authorization);
  }

  private int status(String path, String authorization) {
    return gateway.status(path, authorization);
  }

  private HttpResponse<String> awaitResponse(
      String path, java.util.function.Predicate<HttpResponse<String>> condition, String what)
      throws IOException {
    return gateway.awaitResponse(path, condition, what);
  }

  private void await(BooleanSupplier condition, String what) throws IOException {
    gateway.await(condition, what);
  }
}
