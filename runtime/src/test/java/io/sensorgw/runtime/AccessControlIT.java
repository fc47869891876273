package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may do what on the exported gateway (issue #16): every route against every kind of
 * credential, over real sockets (so that Host and Origin are what a browser or an attacker would
 * send); tokens made and revoked with the Gogo commands; the throttle; a fresh home's permissions.
 * The expected table is README.md's.
 */
class AccessControlIT {
  @TempDir Path temp;

  /** One request over a raw socket; returns the status line's code and the head and body read. */
  private static RawHttp.Answer request(
      RunningGateway gateway, String method, String path, Map<String, String> headers)
      throws IOException {
    return request(Transport.plain(gateway.port), method, path, headers);
  }

  /** Plain HTTP or TLS to one of the gateway's ports. */
  private record Transport(String name, int port, javax.net.ssl.SSLSocketFactory tls) {
    static Transport plain(int port) {
      return new Transport("HTTP", port, null);
    }

    java.net.Socket open() throws IOException {
      return tls == null
          ? new java.net.Socket("127.0.0.1", port)
          : tls.createSocket("127.0.0.1", port);
    }
  }

  /** TLS trusting only the certificate the gateway made on its first start. */
  private static Transport https(RunningGateway gateway) throws Exception {
    String password = "";
    for (String line : Files.readAllLines(gateway.home.resolve("data/https.args"))) {
      if (line.startsWith("-Dorg.apache.felix.https.keystore.password="))
        password = line.substring(line.indexOf('=') + 1);
    }
    java.security.KeyStore keystore = java.security.KeyStore.getInstance("PKCS12");
    try (java.io.InputStream in = Files.newInputStream(gateway.home.resolve("data/https.p12"))) {
      keystore.load(in, password.toCharArray());
    }
    java.security.KeyStore trusted =
        java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    trusted.load(null, null);
    trusted.setCertificateEntry("gateway", keystore.getCertificate("sensorgw"));
    javax.net.ssl.TrustManagerFactory trust =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return new Transport("HTTPS", gateway.httpsPort, context.getSocketFactory());
  }

  private static RawHttp.Answer request(
      Transport transport, String method, String path, Map<String, String> headers)
      throws IOException {
    StringBuilder text = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    Map<String, String> all = new LinkedHashMap<>();
    all.put("Host", "127.0.0.1:" + transport.port());
    all.put("Connection", "close");
    if (method.equals("POST")) all.put("Content-Length", "0");
    all.putAll(headers);
    all.forEach(
        (name, value) -> {
          if (value != null) text.append(name).append(": ").append(value).append("\r\n");
        });
    text.append("\r\n");
    return RawHttp.exchange(transport.open(), text.toString(), false);
  }

  /** A browser session opened with {@code token} at POST /login: its cookie and CSRF value. */
  private static String[] session(Transport transport, String token) throws IOException {
    RawHttp.Answer login =
        request(transport, "POST", "/login", Map.of("Authorization", "Bearer " + token));
    assertEquals(200, login.status(), login.text());
    java.util.regex.Matcher cookie =
        java.util.regex.Pattern.compile("Set-Cookie: sgw_session=([^;]+);[^\r]*")
            .matcher(login.text());
    assertTrue(cookie.find(), login.text());
    assertTrue(
        cookie.group().contains("HttpOnly") && cookie.group().contains("SameSite=Strict"),
        cookie.group());
    assertEquals(
        transport.tls() != null,
        cookie.group().contains("Secure"),
        "Secure over HTTPS only: " + cookie.group());
    RawHttp.Answer whoAmI =
        RawHttp.exchange(
            transport.open(),
            "GET /login/session HTTP/1.1\r\nHost: 127.0.0.1:"
                + transport.port()
                + "\r\nCookie: sgw_session="
                + cookie.group(1)
                + "\r\nConnection: close\r\n\r\n",
            true);
    assertEquals(200, whoAmI.status(), whoAmI.text());
    java.util.regex.Matcher csrf =
        java.util.regex.Pattern.compile("\"csrf\":\"([^\"]+)\"").matcher(whoAmI.text());
    assertTrue(csrf.find(), "the session's CSRF value: " + whoAmI.text());
    return new String[] {cookie.group(1), csrf.group(1)};
  }

  /** A route and how it is asked. */
  private record Route(String name, String method, String path, Map<String, String> headers) {}

  private static final Map<String, String> WEBSOCKET =
      Map.of(
          "Upgrade",
          "websocket",
          "Connection",
          "Upgrade",
          "Sec-WebSocket-Version",
          "13",
          "Sec-WebSocket-Key",
          "dGhlIHNhbXBsZSBub25jZQ==");

  private static final List<Route> ROUTES =
      List.of(
          new Route("GET /health", "GET", "/health", Map.of()),
          new Route("GET /api/sensors", "GET", "/api/sensors", Map.of()),
          new Route(
              "GET /api/sensors/{id}/reading", "GET", "/api/sensors/tfluna-1/reading", Map.of()),
          new Route(
              "GET /api/sensors/{id}/readings", "GET", "/api/sensors/tfluna-1/readings", Map.of()),
          new Route("GET /{model}/sensor", "GET", "/tfluna/sensor", Map.of()),
          new Route(
              "GET /api/sensors/{id}/frame.jpg",
              "GET",
              "/api/sensors/imx477-1/frame.jpg",
              Map.of()),
          new Route("GET /api/stream", "GET", "/api/stream?sensor=tfluna-1", Map.of()),
          new Route("GET /api/alarms", "GET", "/api/alarms", Map.of()),
          new Route("GET /ws", "GET", "/ws?sensor=tfluna-1", WEBSOCKET),
          new Route("GET /metrics", "GET", "/metrics", Map.of()),
          // A sensor that cannot be calibrated: past access control the route answers 404, and
          // nothing
          // is reconfigured between the columns (an IMU restarts with its new offsets).
          new Route(
              "POST /api/sensors/{id}/calibrate",
              "POST",
              "/api/sensors/tfluna-1/calibrate?samples=10",
              Map.of()));

  /**
   * Columns: no credential, read, control, admin, revoked, malformed, admin + foreign Origin, admin
   * + foreign Host, a control token's browser session with its CSRF value, the same without it.
   */
  private static final Map<String, int[]> EXPECTED = new LinkedHashMap<>();

  private static final int FOREIGN_HOST = 7;

  static {
    EXPECTED.put("GET /health", new int[] {200, 200, 200, 200, 200, 200, 200, 421, 200, 200});
    for (String read :
        List.of(
            "GET /api/sensors",
            "GET /api/sensors/{id}/reading",
            "GET /api/sensors/{id}/readings",
            "GET /{model}/sensor",
            "GET /api/sensors/{id}/frame.jpg",
            "GET /api/stream",
            "GET /api/alarms",
            "GET /metrics")) {
      EXPECTED.put(read, new int[] {401, 200, 200, 200, 401, 401, 200, 421, 200, 200});
    }
    EXPECTED.put("GET /ws", new int[] {401, 101, 101, 101, 401, 401, 403, 421, 101, 101});
    EXPECTED.put(
        "POST /api/sensors/{id}/calibrate",
        new int[] {401, 403, 404, 404, 401, 401, 403, 421, 404, 403});
  }

  private static String tokenIn(String shellOutput) {
    return shellOutput
        .lines()
        .map(String::trim)
        .filter(l -> l.startsWith("sgw_"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no token in: " + shellOutput));
  }

  @Test
  void everyRouteAnswersEachCredentialAsTheReadmeTableSays() throws Exception {
    Path home = Files.createDirectories(temp.resolve("home"));
    Files.createDirectories(home.resolve("config"));
    // Many deliberate bad credentials come from this one address below: no throttling here.
    Files.writeString(home.resolve("config/io.sensorgw.security.cfg"), "failures.max=1000\n");
    try (RunningGateway gateway = new RunningGateway(home, true)) {
      String admin = gateway.token();
      gateway.await(() -> gateway.health().path("parts").has("access"), "access control up");
      String read = tokenIn(gateway.shell("token:create it-read read", "Authorization: Bearer"));
      String control =
          tokenIn(gateway.shell("token:create it-control control", "Authorization: Bearer"));
      String revoked =
          tokenIn(gateway.shell("token:create it-revoked read", "Authorization: Bearer"));
      assertTrue(
          gateway.shell("token:revoke it-revoked", "revoked").contains("revoked 'it-revoked'"));
      String list = gateway.shell("token:list", "it-control");
      assertFalse(
          list.contains(read) || list.contains(control) || list.contains(admin),
          "token:list shows no token");
      gateway.awaitResponse(
          "/api/sensors/mpu6050-1/reading", r -> r.statusCode() == 200, "the IMU up");
      gateway.awaitResponse(
          "/api/sensors/tfluna-1/readings",
          r -> r.statusCode() == 200,
          "the LiDAR up and its history");
      gateway.awaitResponse(
          "/api/sensors/imx477-1/frame.jpg", r -> r.statusCode() == 200, "a camera frame");

      List<String> mismatches = new ArrayList<>();
      for (Transport transport : List.of(Transport.plain(gateway.port), https(gateway))) {
        String[] session = session(transport, control);
        List<Map<String, String>> credentials =
            List.of(
                Map.of(),
                Map.of("Authorization", "Bearer " + read),
                Map.of("Authorization", "Bearer " + control),
                Map.of("Authorization", "Bearer " + admin),
                Map.of("Authorization", "Bearer " + revoked),
                Map.of("Authorization", "Basic YWRtaW46YWRtaW4="),
                Map.of("Authorization", "Bearer " + admin, "Origin", "http://evil.example"),
                Map.of(
                    "Authorization", "Bearer " + admin, "Host", "evil.example:" + transport.port()),
                Map.of("Cookie", "sgw_session=" + session[0], "X-CSRF-Token", session[1]),
                Map.of("Cookie", "sgw_session=" + session[0]));
        for (Route route : ROUTES) {
          int[] expected = EXPECTED.get(route.name());
          for (int column = 0; column < credentials.size(); column++) {
            Map<String, String> headers = new LinkedHashMap<>(route.headers());
            headers.putAll(credentials.get(column));
            RawHttp.Answer answer = request(transport, route.method(), route.path(), headers);
            // Over HTTPS, Jetty refuses a Host that is not the certificate's before any route: 400.
            boolean jettySni = transport.tls() != null && column == FOREIGN_HOST;
            int wanted = jettySni ? 400 : expected[column];
            if (answer.status() != wanted) {
              mismatches.add(
                  transport.name()
                      + " "
                      + route.name()
                      + " column "
                      + column
                      + ": expected "
                      + wanted
                      + ", got "
                      + answer.text().lines().limit(12).toList());
            } else if (jettySni) {
              assertTrue(answer.text().contains("Invalid SNI"), answer.text());
            } else if (answer.status() >= 400) {
              assertTrue(
                  answer.text().contains("\"status\":" + answer.status()),
                  "a JSON error: " + answer.text());
              if (answer.status() == 401) {
                assertTrue(
                    answer.text().contains("WWW-Authenticate: Bearer realm=\"sensorgw\""),
                    answer.text());
              }
            }
          }
        }
      }
      assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
      // The container's own errors are JSON too: no route, a method no servlet takes, TRACE.
      Map<String, String> asAdmin = Map.of("Authorization", "Bearer " + admin);
      for (String[] call :
          new String[][] {
            {"GET", "/no/such/route", "404"},
            {"DELETE", "/api/sensors", "405"},
            {"TRACE", "/api/sensors", "405"},
            {"TRACE", "/health", "405"}
          }) {
        RawHttp.Answer answer = request(gateway, call[0], call[1], asAdmin);
        assertEquals(Integer.parseInt(call[2]), answer.status(), answer.text());
        assertTrue(
            answer.text().contains("application/json")
                && answer.text().contains("\"status\":" + call[2]),
            call[0] + " " + call[1] + ": " + answer.text());
      }
      // And a control token does calibrate the IMU.
      RawHttp.Answer calibrated =
          request(
              gateway,
              "POST",
              "/api/sensors/mpu6050-1/calibrate?samples=10",
              Map.of("Authorization", "Bearer " + control));
      assertEquals(200, calibrated.status(), calibrated.text());

      String log =
          Files.readString(
              home.resolve("data/sensorgw.log")); // the console shows what token:create made
      for (String token : List.of(admin, read, control, revoked)) {
        assertFalse(log.contains(token.substring(4)), "a token in the log");
      }
      assertTrue(
          log.contains("Access: bad credentials from 127.0.0.1"), "bad credentials are logged");
    }
  }

  @Test
  void badCredentialsAreThrottledPerAddressAndAFreshHomeIsPrivate() throws Exception {
    Path home = Files.createDirectories(temp.resolve("home"));
    try (RunningGateway gateway = new RunningGateway(home)) {
      String good = gateway.bearer();
      Path log = home.resolve("data/sensorgw.log");
      Files.writeString(
          home.resolve("config/io.sensorgw.security.cfg"),
          "failures.max=3\nfailures.window.s=600\n");
      gateway.await(
          () -> {
            try {
              return Files.readString(log).contains("bad credentials throttled after 3 per 600 s");
            } catch (IOException e) {
              return false;
            }
          },
          "the access settings applied");
      for (int i = 0; i < 3; i++) {
        assertEquals(
            401,
            request(gateway, "GET", "/api/sensors", Map.of("Authorization", "Bearer sgw_guess" + i))
                .status());
      }
      RawHttp.Answer throttled =
          request(gateway, "GET", "/api/sensors", Map.of("Authorization", good));
      assertEquals(429, throttled.status(), throttled.text());
      assertTrue(
          throttled.text().matches("(?s).*Retry-After: (\\d{3}|[1-9]\\d?)\\r\\n.*"),
          throttled.text());
      assertEquals(
          200, request(gateway, "GET", "/health", Map.of()).status(), "/health stays open");
      assertTrue(
          Files.readString(log)
              .contains(
                  "Access: 3 bad credentials from 127.0.0.1 within the window; refused (429)"));

      // Nothing the gateway made in its home is readable by group or others (whatever the umask).
      Set<PosixFilePermission> open =
          Set.of(
              PosixFilePermission.GROUP_READ,
              PosixFilePermission.GROUP_WRITE,
              PosixFilePermission.GROUP_EXECUTE,
              PosixFilePermission.OTHERS_READ,
              PosixFilePermission.OTHERS_WRITE,
              PosixFilePermission.OTHERS_EXECUTE);
      List<String> exposed = new ArrayList<>();
      Path ours =
          home.resolve("config/io.sensorgw.security.cfg"); // written by this test, under its umask
      for (String folder : List.of("config", "data", "deploy")) {
        try (Stream<Path> paths = Files.walk(home.resolve(folder))) {
          paths
              .filter(path -> !path.equals(ours))
              .forEach(
                  path -> {
                    try {
                      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
                      if (permissions.stream().anyMatch(open::contains))
                        exposed.add(home.relativize(path) + " " + permissions);
                    } catch (IOException e) {
                      // gone meanwhile (a temporary file)
                    }
                  });
        }
      }
      assertTrue(exposed.isEmpty(), "group- or world-accessible: " + exposed);
      assertTrue(
          Files.exists(home.resolve("data/tokens.json"))
              && Files.exists(home.resolve("data/readings.mv.db")));
    }
  }

  /**
   * The Web Console: hardening headers, a change posted from another site's page refused even with
   * the admin's credentials (CSRF), scripts without Origin still served, and wrong passwords
   * throttled per address (default: 10 a minute).
   */
  @Test
  void theConsoleRefusesForeignPostsAndThrottlesWrongPasswords() throws Exception {
    Path home = Files.createDirectories(temp.resolve("home"));
    try (RunningGateway gateway = new RunningGateway(home)) {
      String admin = gateway.consoleAuth();
      gateway.await(
          () -> gateway.status("/system/console/bundles", admin) == 200, "the console up");
      RawHttp.Answer page =
          request(gateway, "GET", "/system/console/bundles", Map.of("Authorization", admin));
      assertEquals(200, page.status());
      assertTrue(page.text().contains("X-Frame-Options: DENY"), page.text());
      assertTrue(
          page.text().contains("Content-Security-Policy: frame-ancestors 'none'"), page.text());

      // The attack of issue #16: a form on another site posting the camera's command.
      String form = "/system/console/configMgr/io.sensorgw.device.imx477~sim";
      RawHttp.Answer forged =
          request(
              gateway,
              "POST",
              form,
              Map.of("Authorization", admin, "Origin", "http://evil.example"));
      assertEquals(403, forged.status(), forged.text());
      RawHttp.Answer forgedReferer =
          request(
              gateway,
              "POST",
              form,
              Map.of("Authorization", admin, "Referer", "http://evil.example/page.html"));
      assertEquals(403, forgedReferer.status(), forgedReferer.text());
      RawHttp.Answer ownPage =
          request(
              gateway,
              "POST",
              "/system/console/bundles",
              Map.of("Authorization", admin, "Origin", "http://127.0.0.1:" + gateway.port));
      assertTrue(
          ownPage.status() != 403 && ownPage.status() != 401,
          "the console's own page may post: " + ownPage.text());
      assertTrue(
          Files.readString(home.resolve("data/sensorgw.log"))
              .contains("Web Console: refused a POST"));

      String wrong =
          "Basic "
              + java.util.Base64.getEncoder()
                  .encodeToString("admin:guess".getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < 10; i++) {
        assertEquals(
            401,
            request(gateway, "GET", "/system/console/bundles", Map.of("Authorization", wrong))
                .status());
      }
      RawHttp.Answer throttled =
          request(gateway, "GET", "/system/console/bundles", Map.of("Authorization", admin));
      assertEquals(429, throttled.status(), "even the right password waits: " + throttled.text());
      assertTrue(throttled.text().contains("Retry-After: "), throttled.text());
      String log = Files.readString(home.resolve("data/sensorgw.log"));
      assertTrue(
          log.contains("Web Console: wrong user or password from 127.0.0.1"),
          "wrong passwords are logged");
      assertTrue(
          log.contains("Web Console: 10 wrong passwords from 127.0.0.1"), "and the throttle");
    }
  }
}
