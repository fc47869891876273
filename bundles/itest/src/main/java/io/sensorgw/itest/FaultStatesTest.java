package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/**
 * Faults are states (issues #17 and #21) in Felix: a bad setting or an absent device never makes a
 * sensor vanish. It is registered in state error with a one-line reason, shown by /health,
 * /api/sensors/{id} and sensor:list; reads fail at once with 503 and the reason; a corrected
 * configuration, or the device appearing, brings it back. And a broken WebSocket handshake is a 400
 * JSON error.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class FaultStatesTest {
  /** Generous: a loaded machine is slow; the normal case returns as soon as the condition holds. */
  private static final Duration WITHIN = Duration.ofMinutes(3);

  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  CommandProcessor gogo;

  private final List<Configuration> configurations = new ArrayList<>();

  /** A factory configuration of {@code driver} (e.g. {@code tfluna}), from keys and values. */
  private Configuration device(String driver, String name, Object... keysAndValues)
      throws IOException {
    Configuration config =
        configAdmin.getFactoryConfiguration("io.sensorgw.device." + driver, name, "?");
    config.update(properties(keysAndValues));
    configurations.add(config);
    return config;
  }

  private static Hashtable<String, Object> properties(Object... keysAndValues) {
    Hashtable<String, Object> props = new Hashtable<>();
    for (int i = 0; i < keysAndValues.length; i += 2)
      props.put((String) keysAndValues[i], keysAndValues[i + 1]);
    return props;
  }

  private void deleteConfigurations() throws IOException {
    for (Configuration config : configurations) config.delete();
    configurations.clear();
  }

  private static HttpResponse<String> getUntil(
      Gateway gateway, String path, Predicate<HttpResponse<String>> condition, String what)
      throws IOException {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    HttpResponse<String> response = gateway.get(path);
    while (!condition.test(response)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out waiting for "
                + what
                + "; last: "
                + response.statusCode()
                + " "
                + response.body());
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000); // poll interval
      response = gateway.get(path);
    }
    return response;
  }

  /** {@code text} as it appears inside a JSON string. */
  private static String json(String text) {
    return text.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  private String shell(String command) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    try (CommandSession session = gogo.createSession(System.in, print, print)) {
      Object result = session.execute(command);
      if (result != null) print.println(session.format(result, 0));
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Sensor {@code id} is listed, in error with exactly {@code reason}, in /api/sensors/{id},
   * /api/sensors and /health, and a read fails with 503 and the reason.
   */
  private void assertVisibleInError(Gateway gateway, String id, String reason) throws IOException {
    String expected = "\"state\":\"error\",\"stateReason\":\"" + json(reason) + "\"";
    HttpResponse<String> info =
        getUntil(
            gateway,
            "/api/sensors/" + id,
            r -> r.statusCode() == 200 && r.body().contains(expected),
            id + " in error: " + reason);
    assertTrue(info.body().contains("\"id\":\"" + id + "\""), info.body());
    assertTrue(gateway.get("/api/sensors").body().contains(expected), "listed in /api/sensors");
    HttpResponse<String> health = gateway.get("/health");
    assertTrue(health.body().contains("\"status\":\"degraded\""), health.body());
    assertTrue(
        health.body().contains("sensor " + id) && health.body().contains(json(reason)),
        health.body());
    HttpResponse<String> read = gateway.get("/api/sensors/" + id + "/reading");
    assertEquals(503, read.statusCode(), read.body());
    assertTrue(
        read.body().contains(json(reason)) && read.body().contains("\"status\":503"), read.body());
  }

  /** Sensor {@code id} reads again (200) and is OK, its reason gone. */
  private void assertBackToOk(Gateway gateway, String id) throws IOException {
    getUntil(
        gateway,
        "/api/sensors/" + id + "/reading",
        r -> r.statusCode() == 200,
        id + " reading again");
    HttpResponse<String> info =
        getUntil(
            gateway,
            "/api/sensors/" + id,
            r -> r.statusCode() == 200 && r.body().contains("\"state\":\"ok\""),
            id + " ok");
    assertTrue(!info.body().contains("stateReason"), info.body());
  }

  /** One driver's bad setting, the line it must give, and the corrected setting. */
  private record Case(
      String driver, String id, Object[] base, Object[] bad, String reason, Object[] corrected) {}

  private static Object[] kv(Object... keysAndValues) {
    return keysAndValues;
  }

  private static Object[] join(Object[] a, Object[] b) {
    Object[] all = new Object[a.length + b.length];
    System.arraycopy(a, 0, all, 0, a.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  @Test
  void aBadSettingKeepsEachDriversSensorVisibleInErrorUntilItIsCorrected() throws Exception {
    Gateway gateway = new Gateway(context);
    // Values as a .cfg file gives them: strings, converted by the typed configuration.
    List<Case> cases =
        List.of(
            new Case(
                "tfluna",
                "it-fault-luna-rate",
                kv("mode", "simulated"),
                kv("output.rate.hz", "1e9"),
                "output.rate.hz must be a whole number in 1..250, was 1e9",
                kv("output.rate.hz", "100")),
            new Case(
                "tfluna",
                "it-fault-luna-timeout",
                kv("mode", "simulated"),
                kv("read.timeout.ms", "-1"),
                "read.timeout.ms must be 1..300000, was -1",
                kv("read.timeout.ms", "120000")),
            new Case(
                "mpu6050",
                "it-fault-imu-rate",
                kv("mode", "simulated"),
                kv("sample.rate.hz", "0"),
                "sample.rate.hz must be 4..1000, was 0",
                kv("sample.rate.hz", "1000")),
            new Case(
                "mpu6050",
                "it-fault-imu-offset",
                kv("mode", "simulated"),
                kv("accel.offset.g", "NaN"),
                "accel.offset.g must be 3 finite numbers in -16..16, was NaN",
                kv("accel.offset.g", new double[] {0, 0, 0})),
            new Case(
                "hcsr04",
                "it-fault-sonar",
                kv("mode", "simulated"),
                kv("expected.interval.ms", "0"),
                "expected.interval.ms must be 10..60000, was 0",
                kv("expected.interval.ms", "70")),
            new Case(
                "imx477",
                "it-fault-cam",
                kv(
                    "backend",
                    "simulated",
                    "width",
                    "320",
                    "height",
                    "240",
                    "simulation.capture.ms",
                    "20"),
                kv("capture.timeout.ms", "-5"),
                "capture.timeout.ms must be 100..900000, was -5",
                kv("capture.timeout.ms", "15000")),
            // A choice takes exactly one of its values (matched as written): anything else is
            // refused with the values it may take, never replaced by a default.
            new Case(
                "tfluna",
                "it-fault-luna-mode",
                kv("simulation.seed", "1"),
                kv("mode", "Simulated"),
                "mode must be hardware or simulated, was \"Simulated\"",
                kv("mode", "simulated")),
            new Case(
                "hcsr04",
                "it-fault-sonar-format",
                kv("mode", "simulated"),
                kv("payload.format", "int8"),
                "payload.format must be uint16le-mm, ascii-cm, float32le-cm or uint32le-echo-us,"
                    + " was \"int8\"",
                kv("payload.format", "ascii-cm")),
            new Case(
                "imx477",
                "it-fault-cam-backend",
                kv("width", "320", "height", "240", "simulation.capture.ms", "20"),
                kv("backend", "simulatd"),
                "backend must be simulated, still, stream or v4l2, was \"simulatd\"",
                kv("backend", "simulated")));
    try {
      List<Configuration> configs = new ArrayList<>();
      for (Case c : cases) {
        configs.add(
            device(c.driver(), c.id(), join(join(kv("sensor.id", c.id()), c.base()), c.bad())));
      }
      for (Case c : cases) assertVisibleInError(gateway, c.id(), c.reason());
      String list = shell("sensor:list");
      for (Case c : cases) assertTrue(list.contains("  error: " + c.reason()), list);

      // A corrected configuration replaces the component: no restart, no other sensor touched.
      for (int i = 0; i < cases.size(); i++) {
        Case c = cases.get(i);
        configs
            .get(i)
            .update(properties(join(join(kv("sensor.id", c.id()), c.base()), c.corrected())));
      }
      for (Case c : cases) assertBackToOk(gateway, c.id());
    } finally {
      deleteConfigurations();
    }
  }

  @Test
  void aSensorWithABadIdIsVisibleUnderAPlaceholder() throws Exception {
    Gateway gateway = new Gateway(context);
    try {
      device("tfluna", "it-fault-id", "sensor.id", "front door", "mode", "simulated");
      assertVisibleInError(
          gateway,
          "invalid-front_door",
          "sensor.id must be 1..64 characters of A-Z a-z 0-9 . _ -, was \"front door\"");
    } finally {
      deleteConfigurations();
    }
  }

  @Test
  void anImuAbsentAtStartIsInErrorAndRecoversWhenItAppearsWithoutReconfiguration()
      throws Exception {
    Gateway gateway = new Gateway(context);
    Path dir = Files.createTempDirectory("sensorgw-presence");
    Path plugged = dir.resolve("plugged-in");
    try {
      Configuration config =
          device(
              "mpu6050",
              "it-fault-late",
              "sensor.id",
              "it-fault-late",
              "mode",
              "simulated",
              "simulation.presence.file",
              plugged.toString());
      long changes = config.getChangeCount();
      String reason =
          "MPU-6050 on I2C bus 1 address 0x68: no answer (simulated chip absent: "
              + plugged
              + " does not exist)";
      assertVisibleInError(gateway, "it-fault-late", reason);
      String list = shell("sensor:list");
      assertTrue(list.contains("  error: " + reason), list);
      // It keeps trying while absent, with backoff.
      getUntil(
          gateway,
          "/api/sensors/it-fault-late",
          r -> openFailures(r.body()) >= 2,
          "retries while absent");

      Files.createFile(plugged); // plugged in
      assertBackToOk(gateway, "it-fault-late");
      assertEquals(
          changes,
          configAdmin.getConfiguration(config.getPid(), "?").getChangeCount(),
          "recovered without reconfiguration");
    } finally {
      deleteConfigurations();
      Files.deleteIfExists(plugged);
      Files.deleteIfExists(dir);
    }
  }

  private static long openFailures(String body) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"openFailures\":(\\d+)").matcher(body);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  /** An HTTP/1.1 exchange over a raw socket: the status line, the headers and the body. */
  private record RawResponse(int status, String head, String body) {}

  private static RawResponse exchange(URI base, String request) throws IOException {
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout((int) WITHIN.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) throw new IOException("connection closed in the headers: " + head);
        head.write(b);
      }
      String headers = head.toString(StandardCharsets.ISO_8859_1);
      String lower = headers.toLowerCase(Locale.ROOT);
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      java.util.regex.Matcher length =
          java.util.regex.Pattern.compile("content-length: *(\\d+)").matcher(lower);
      if (length.find()) {
        body.write(in.readNBytes(Integer.parseInt(length.group(1))));
      } else if (lower.contains("transfer-encoding: chunked")) {
        while (true) {
          String size = readLine(in);
          int n = Integer.parseInt(size.trim().split(";")[0], 16);
          if (n == 0) break;
          body.write(in.readNBytes(n));
          readLine(in);
        }
      }
      int status = Integer.parseInt(headers.substring(9, 12));
      return new RawResponse(status, headers, body.toString(StandardCharsets.UTF_8));
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') if (b != '\r') line.append((char) b);
    return line.toString();
  }

  @Test
  void aWebSocketHandshakeWithoutItsKeyIsA400JsonError() throws Exception {
    Gateway gateway = new Gateway(context);
    URI base = gateway.uri("/");
    String host = "Host: " + base.getHost() + ":" + base.getPort() + "\r\n";

    RawResponse noKey =
        exchange(
            base,
            "GET /ws HTTP/1.1\r\n"
                + host
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n");
    assertEquals(400, noKey.status(), noKey.head() + noKey.body());
    assertTrue(
        noKey.head().toLowerCase(Locale.ROOT).contains("content-type: application/json"),
        noKey.head());
    assertEquals(
        "{\"error\":\"the WebSocket handshake has no Sec-WebSocket-Key\",\"status\":400}",
        noKey.body());

    RawResponse badKey =
        exchange(
            base,
            "GET /ws HTTP/1.1\r\n"
                + host
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n");
    assertEquals(400, badKey.status(), badKey.head() + badKey.body());
    assertTrue(badKey.body().contains("\"status\":400"), badKey.body());

    RawResponse oldVersion =
        exchange(
            base,
            "GET /ws HTTP/1.1\r\n"
                + host
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n");
    assertEquals(400, oldVersion.status(), oldVersion.head() + oldVersion.body());
    assertTrue(oldVersion.head().contains("Sec-WebSocket-Version: 13"), oldVersion.head());

    RawResponse plainGet = exchange(base, "GET /ws HTTP/1.1\r\n" + host + "\r\n");
    assertEquals(400, plainGet.status(), plainGet.head() + plainGet.body());
    assertTrue(plainGet.body().contains("\"status\":400"), plainGet.body());

    // A complete handshake still opens the WebSocket.
    RawResponse upgraded =
        exchangeHead(
            base,
            "GET /ws HTTP/1.1\r\n"
                + host
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    assertEquals(101, upgraded.status(), upgraded.head());
    assertTrue(
        upgraded.head().contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        "RFC 6455's sample accept key: " + upgraded.head());
  }

  /** The status and headers only: an upgraded connection has no body to wait for. */
  private static RawResponse exchangeHead(URI base, String request) throws IOException {
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout((int) WITHIN.toMillis());
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) break;
        head.write(b);
      }
      String headers = head.toString(StandardCharsets.ISO_8859_1);
      return new RawResponse(Integer.parseInt(headers.substring(9, 12)), headers, "");
    }
  }
}
