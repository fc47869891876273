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
      if (line.startsWith("-Dorg.apache.felix.https.keystore.password=")) return line.substring(line.indexOf('=') + 1);
    }
    throw new AssertionError("no keystore password in data/https.args");
  }

  @Test
  void theGeneratedCertificateServesTheApiAndPlainHttpCanBeRedirectedOrLimitedToHealth() throws Exception {
    Path home = Files.createDirectories(temp.resolve("home"));
    try (RunningGateway gateway = new RunningGateway(home)) {
      assertTrue(gateway.httpsPort > 0, "an HTTPS port besides " + gateway.port);
      KeyStore keystore = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(home.resolve("data/https.p12"))) {
        keystore.load(in, keystorePassword(home).toCharArray());
      }
      Certificate certificate = keystore.getCertificate("sensorgw");
      String fingerprint = HexFormat.ofDelimiter(":").withUpperCase()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
      assertTrue(Files.readString(gateway.log).contains("HTTPS certificate SHA-256 fingerprint " + fingerprint),
          "the fingerprint is printed: " + fingerprint);

      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      trusted.setCertificateEntry("gateway", certificate);
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, trust.getTrustManagers(), null);
      HttpClient https = HttpClient.newBuilder().sslContext(tls).followRedirects(HttpClient.Redirect.NEVER).build();
      String base = "https://127.0.0.1:" + gateway.httpsPort;
      HttpRequest list = HttpRequest.newBuilder(URI.create(base + "/api/sensors"))
          .header("Authorization", gateway.bearer()).timeout(RunningGateway.DEADLINE).build();
      // The drivers in deploy/ come up a moment after /health answers.
      java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> last = new java.util.concurrent.atomic.AtomicReference<>();
      gateway.await(() -> {
        try {
          last.set(https.send(list, HttpResponse.BodyHandlers.ofString()));
          return last.get().statusCode() == 200 && last.get().body().contains("\"id\":\"tfluna-1\"");
        } catch (java.io.IOException e) {
          return false;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }, "the sensors listed over HTTPS", () -> String.valueOf(last.get() == null ? "" : last.get().body()));
      HttpResponse<String> sensors = last.get();
      HttpResponse<String> anonymous = https.send(HttpRequest.newBuilder(URI.create(base + "/api/sensors"))
          .timeout(RunningGateway.DEADLINE).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(401, anonymous.statusCode(), "HTTPS is no way around the token");
      assertTrue(sensors.headers().firstValue("Strict-Transport-Security").isEmpty(), "no HSTS while HTTP serves too");
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(home.resolve("data/https.args"))), "the keystore password is private");

      // Plain HTTP redirected to HTTPS, but for /health; HTTPS answers with HSTS.
      Path settings = home.resolve("config/io.sensorgw.security.cfg");
      Files.writeString(settings, "http.mode=redirect\n");
      gateway.await(() -> gateway.status("/api/sensors", null) == 308, "plain HTTP redirected");
      HttpResponse<String> moved = gateway.get("/api/sensors", null);
      assertEquals(base + "/api/sensors", moved.headers().firstValue("Location").orElse(""),
          moved.headers().map().toString());
      assertEquals(200, gateway.status("/health", null), "/health stays on plain HTTP");
      HttpResponse<String> strict = https.send(HttpRequest.newBuilder(URI.create(base + "/api/sensors"))
          .header("Authorization", gateway.bearer()).timeout(RunningGateway.DEADLINE).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, strict.statusCode());
      assertEquals("max-age=31536000", strict.headers().firstValue("Strict-Transport-Security").orElse(""));

      Files.writeString(settings, "http.mode=health-only\n");
      gateway.await(() -> gateway.status("/api/sensors", null) == 403, "plain HTTP limited to /health");
      assertTrue(gateway.get("/api/sensors", null).body().toLowerCase(Locale.ROOT).contains("use https://"));
      assertEquals(200, gateway.status("/health", null));
    }
  }
}
