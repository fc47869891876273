package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.HexFormat;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS out of the box (issue #16): the certificate the first start makes for this machine, its
 * fingerprint as printed, the API over HTTPS with a client that trusts only that certificate (and
 * checks the host name against it), and plain HTTP redirected or limited to /health, with HSTS.
 */
class HttpsIT {
  @TempDir Path temp;

  /** The keystore's password, from the argument file the start script gives the JVM. */
  private static String keystorePassword(Path home) throws Exception {
    for (String line : Files.readAllLines(home.resolve("data/https.args"))) {
      if (line.startsWith("-Dorg.apache.felix.https.keystore.password="))
        return line.substring(line.indexOf('=') + 1);
    }
    throw new AssertionError("no keystore password in data/https.args");
  }

  @Test
  void theGeneratedCertificateServesTheApiAndPlainHttpCanBeRedirectedOrLimitedToHealth()
      throws Exception {
    Path home = Files.createDirectories(temp.resolve("home"));
    try (RunningGateway gateway = new RunningGateway(home)) {
      assertTrue(gateway.httpsPort > 0, "an HTTPS port besides " + gateway.port);
      KeyStore keystore = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(home.resolve("data/https.p12"))) {
        keystore.load(in, keystorePassword(home).toCharArray());
      }
      Certificate certificate = keystore.getCertificate("sensorgw");
      String fingerprint =
          HexFormat.ofDelimiter(":")
              .withUpperCase()
              .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
      assertTrue(
          Files.readString(gateway.log)
              .contains("HTTPS certificate SHA-256 fingerprint " + fingerprint),
          "the fingerprint is printed: " + fingerprint);

      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      trusted.setCertificateEntry("gateway", certificate);
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, trust.getTrustManagers(), null);
      HttpClient https =
          HttpClient.newBuilder()
              .sslContext(tls)
              .followRedirects(HttpClient.Redirect.NEVER)
              .build();
      String base = "https://127.0.0.1:" + gateway.httpsPort;
      HttpRequest list =
          HttpRequest.newBuilder(URI.create(base + "/api/sensors"))
              .header("Authorization", gateway.bearer())
              .timeout(RunningGateway.DEADLINE)
              .build();
      // The drivers in deploy/ come up a moment after /health answers.
      java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> last =
          new java.util.concurrent.atomic.AtomicReference<>();
      gateway.await(
          () -> {
            try {
              last.set(https.send(list, HttpResponse.BodyHandlers.ofString()));
              return last.get().statusCode() == 200
                  && last.get().body().contains("\"id\":\"tfluna-1\"");
            } catch (java.io.IOException e) {
              return false;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return false;
            }
          },
          "the sensors listed over HTTPS",
          () -> String.valueOf(last.get() == null ? "" : last.get().body()));
      HttpResponse<String> sensors = last.get();
      HttpResponse<String> anonymous =
          https.send(
              HttpRequest.newBuilder(URI.create(base + "/api/sensors"))
                  .timeout(RunningGateway.DEADLINE)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, anonymous.statusCode(), "HTTPS is no way around the token");
      assertTrue(
          sensors.headers().firstValue("Strict-Transport-Security").isEmpty(),
          "no HSTS while HTTP serves too");
      assertEquals(
          "rw-------",
          java.nio.file.attribute.PosixFilePermissions.toString(
              Files.getPosixFilePermissions(home.resolve("data/https.args"))),
          "the keystore password is private");

      // Plain HTTP redirected to HTTPS, but for /health; HTTPS answers with HSTS.
      Path settings = home.resolve("config/io.sensorgw.security.cfg");
      Files.writeString(settings, "http.mode=redirect\n");
      gateway.await(() -> gateway.status("/api/sensors", null) == 308, "plain HTTP redirected");
      HttpResponse<String> moved = gateway.get("/api/sensors", null);
      assertEquals(
          base + "/api/sensors",
          moved.headers().firstValue("Location").orElse(""),
          moved.headers().map().toString());
      assertEquals(200, gateway.status("/health", null), "/health stays on plain HTTP");
      HttpResponse<String> strict =
          https.send(
              HttpRequest.newBuilder(URI.create(base + "/api/sensors"))
                  .header("Authorization", gateway.bearer())
                  .timeout(RunningGateway.DEADLINE)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, strict.statusCode());
      assertEquals(
          "max-age=31536000", strict.headers().firstValue("Strict-Transport-Security").orElse(""));

      Files.writeString(settings, "http.mode=health-only\n");
      gateway.await(
          () -> gateway.status("/api/sensors", null) == 403, "plain HTTP limited to /health");
      assertTrue(
          gateway
              .get("/api/sensors", null)
              .body()
              .toLowerCase(Locale.ROOT)
              .contains("use https://"));
      assertEquals(200, gateway.status("/health", null));
    }
  }

  /** Runs openssl with {@code arguments}; fails the test with its output when it fails. */
  private static void openssl(Path dir, String... arguments) throws Exception {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("openssl"));
    command.addAll(java.util.List.of(arguments));
    Process process =
        Processes.start(
            new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true));
    try {
      String output =
          new String(
              process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(
          process.waitFor(
              RunningGateway.DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS),
          "openssl ended");
      assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    } finally {
      Processes.stop(process);
    }
  }

  /**
   * An EC key and a self-signed certificate for localhost and 127.0.0.1, as PEM files in {@code
   * dir}.
   */
  private static void pemPair(Path dir, String name) throws Exception {
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".crt",
        "-days",
        "30",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1");
  }

  @Test
  void pemFilesOfTheUsersOwnAreServedAndABadPairLeavesHttpsOffWithTheReason() throws Exception {
    Path home = Files.createDirectories(temp.resolve("pem-home"));
    Path data = Files.createDirectories(home.resolve("data"));
    pemPair(data, "https");
    Certificate mine;
    try (InputStream in = Files.newInputStream(data.resolve("https.crt"))) {
      mine = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    try (RunningGateway gateway = new RunningGateway(home)) {
      assertTrue(gateway.httpsPort > 0, "HTTPS with the PEM pair");
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      trusted.setCertificateEntry("mine", mine);
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, trust.getTrustManagers(), null);
      HttpClient https = HttpClient.newBuilder().sslContext(tls).build();
      HttpResponse<String> health =
          https.send(
              HttpRequest.newBuilder(
                      URI.create("https://127.0.0.1:" + gateway.httpsPort + "/health"))
                  .timeout(RunningGateway.DEADLINE)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(
          200,
          health.statusCode(),
          "served with the user's certificate, which the client trusts alone");
      String fingerprint =
          HexFormat.ofDelimiter(":")
              .withUpperCase()
              .formatHex(MessageDigest.getInstance("SHA-256").digest(mine.getEncoded()));
      assertTrue(
          Files.readString(gateway.log)
              .contains("HTTPS certificate SHA-256 fingerprint " + fingerprint),
          "its fingerprint is printed");
    }

    // A certificate with another key's private key: no HTTPS, and the log says why.
    Path other = Files.createDirectories(temp.resolve("other"));
    pemPair(other, "other");
    Files.copy(
        other.resolve("other.key"),
        data.resolve("https.key"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try (RunningGateway gateway = new RunningGateway(home)) {
      assertEquals(0, gateway.httpsPort, "no HTTPS port with a key that is not the certificate's");
      assertTrue(
          Files.readString(gateway.log)
              .contains("data/https.crt and data/https.key cannot be used"),
          "the reason is printed");
    }
  }

  /**
   * Chromium logs into the console over HTTPS, trusting exactly the gateway's generated certificate
   * (its public key pinned, no "ignore errors"), and a form on a page of another origin that posts
   * to the console with the admin's cached credentials is refused.
   */
  @Test
  void chromiumUsesTheConsoleOverHttpsAndAForeignFormPostIsRefused() throws Exception {
    Path home = Files.createDirectories(temp.resolve("browser-home"));
    try (RunningGateway gateway = new RunningGateway(home)) {
      KeyStore keystore = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(home.resolve("data/https.p12"))) {
        keystore.load(in, keystorePassword(home).toCharArray());
      }
      String pin =
          java.util.Base64.getEncoder()
              .encodeToString(
                  MessageDigest.getInstance("SHA-256")
                      .digest(keystore.getCertificate("sensorgw").getPublicKey().getEncoded()));
      String password = gateway.consoleAuth(); // waits for the password file
      String plain =
          new String(
                  java.util.Base64.getDecoder().decode(password.substring(6)),
                  java.nio.charset.StandardCharsets.UTF_8)
              .substring("admin:".length());
      String console = "https://127.0.0.1:" + gateway.httpsPort + "/system/console";
      gateway.await(
          () -> gateway.status("/system/console/sensors", password) == 200, "the console up");
      try (Browser browser =
          new Browser(
              home.resolve("chromium"),
              false,
              java.util.List.of("--ignore-certificate-errors-spki-list=" + pin))) {
        browser.driver.get(
            "https://admin:"
                + plain
                + "@127.0.0.1:"
                + gateway.httpsPort
                + "/system/console/sensors");
        browser.await().until(d -> d.getPageSource().contains("data-sensor=\"tfluna-1\""));
        assertTrue(
            browser.driver.getCurrentUrl().startsWith("https://"), browser.driver.getCurrentUrl());

        // Another origin (the gateway's plain-HTTP port is one) posts the camera's command.
        browser.driver.get(
            "http://127.0.0.1:" + gateway.port + "/health"); // a page without a CSP of its own
        browser.driver.executeScript(
            """
            const form = document.createElement('form');
            form.method = 'POST';
            form.action = arguments[0] + '/configMgr/io.sensorgw.device.imx477~sim';
            for (const [name, value] of [['apply', 'true'], ['propertylist', 'still.command'], ['still.command', '/bin/sh']]) {
              const input = document.createElement('input');
              input.name = name;
              input.value = value;
              form.append(input);
            }
            document.body.append(form);
            form.submit();""",
            console);
        browser.await().until(d -> d.getCurrentUrl().contains("/configMgr/"));
        browser.await().until(d -> d.getPageSource().contains("403"));
      }
      assertTrue(
          Files.readString(home.resolve("data/sensorgw.log"))
              .contains("Web Console: refused a POST"),
          "the refusal is logged");
      assertTrue(
          !Files.readString(home.resolve("config/io.sensorgw.device.imx477-sim.cfg"))
              .contains("/bin/sh"),
          "the camera's configuration is unchanged");
    }
  }
}
