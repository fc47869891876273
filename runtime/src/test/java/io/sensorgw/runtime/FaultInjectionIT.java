package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faults of issue 17 against the exported gateway, as users met them: each is reproduced, shown
 * contained (the rest keeps working), visible in /health with its reason, and recovered without a
 * restart. The MQTT ones (a bad topic prefix, a poisoned and a damaged spool, bad reconnect
 * settings) are in {@link MqttFaultsIT}, a full disk in {@link DiskFullIT}, kills in {@link
 * CrashSafetyIT}.
 */
class FaultInjectionIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEADLINE = Duration.ofMinutes(3);

  @TempDir Path temp;

  private static JsonNode json(HttpResponse<String> response) {
    try {
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body());
    }
  }

  /** A JSON client error: the status, a JSON body with that status and a reason, no HTML. */
  private static JsonNode assertJsonError(HttpResponse<String> response, int status) {
    assertEquals(status, response.statusCode(), response.body());
    JsonNode body = json(response);
    assertEquals(status, body.path("status").asInt(), response.body());
    assertFalse(body.path("error").asText().isBlank(), response.body());
    return body;
  }

  private static Path deviceConfig(Path home, String name, String... lines) throws IOException {
    Path file = home.resolve("config/io.sensorgw.device.tfluna-" + name + ".cfg");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  private static boolean up(RunningGateway gateway) {
    return gateway.health().path("status").asText().equals("up");
  }

  @Test
  void badRequestsValuesAndRecordsAreContainedVisibleAndRecoveredWithoutARestart()
      throws Exception {
    Path home = Files.createDirectories(temp.resolve("home"));
    Files.createDirectories(home.resolve("config"));
    try (RunningGateway gateway = new RunningGateway(home)) {
      gateway.await(
          () -> up(gateway) && gateway.sourceMetric("store", "written") > 0,
          "the gateway up and storing",
          () -> gateway.health().toString());
      Path log = home.resolve("data/sensorgw.log");

      // 1. A history query that would group a whole day into 1 ms buckets, or page past the bound:
      // refused with the bound in the message, before the database is asked. The store stays up.
      JsonNode tooMany =
          assertJsonError(
              gateway.get("/api/sensors/tfluna-1/readings?every=1ms&from=0", null), 400);
      assertTrue(
          tooMany.path("error").asText().contains("more than 10000 (max.buckets)"),
          tooMany.toString());
      JsonNode tooLong =
          assertJsonError(
              gateway.get("/api/sensors/tfluna-1/readings?limit=100000&from=0", null), 400);
      assertTrue(tooLong.path("error").asText().contains("10000"), tooLong.toString());
      double written = gateway.sourceMetric("store", "written");
      gateway.await(
          () -> gateway.sourceMetric("store", "written") > written,
          "the store still writing",
          () -> "");
      assertEquals(
          "ok",
          gateway.health().path("parts").path("store").path("state").asText(),
          gateway.health().toString());

      // 2. A sensor with a 129-character id: visible in error under a placeholder, and no other
      // sensor's storage stops. Removing its file removes it.
      String longId = "x".repeat(129);
      Path longIdFile = deviceConfig(home, "longid", "sensor.id=" + longId, "mode=simulated");
      String placeholder = ("invalid-" + longId).substring(0, 64);
      gateway.await(
          () -> gateway.health().path("sensors").path(placeholder).asText().equals("error"),
          "the long-id sensor in error under " + placeholder,
          () -> gateway.health().toString());
      JsonNode longIdInfo = json(gateway.get("/api/sensors/" + placeholder, null));
      assertTrue(
          longIdInfo.path("stateReason").asText().startsWith("sensor.id must be 1..64 characters"),
          longIdInfo.toString());
      assertEquals("degraded", gateway.health().path("status").asText());
      double writtenWithLongId = gateway.sourceMetric("store", "written");
      gateway.await(
          () -> gateway.sourceMetric("store", "written") > writtenWithLongId,
          "other sensors still stored",
          () -> "");
      Files.delete(longIdFile);
      gateway.await(
          () -> gateway.health().path("sensors").path(placeholder).isMissingNode() && up(gateway),
          "the long-id sensor gone and the gateway up",
          () -> gateway.health().toString());

      // 5. Bad configuration values: the sensor stays registered in error with one clear line
      // (not a stack trace), and a corrected file brings it back.
      Path badFile =
          deviceConfig(
              home,
              "bad",
              "sensor.id=it-bad",
              "mode=simulated",
              "output.rate.hz=1e9",
              "max.age.ms=-1");
      gateway.await(
          () -> gateway.health().path("sensors").path("it-bad").asText().equals("error"),
          "it-bad in error",
          () -> gateway.health().toString());
      String reason = json(gateway.get("/api/sensors/it-bad", null)).path("stateReason").asText();
      assertTrue(
          reason.contains("output.rate.hz must be a whole number in 1..250, was 1e9"), reason);
      assertTrue(reason.contains("max.age.ms must be 0..3600000, was -1"), reason);
      assertTrue(
          gateway
              .health()
              .path("degraded")
              .path("sensor it-bad")
              .asText()
              .contains("output.rate.hz"),
          gateway.health().toString());
      JsonNode badRead = assertJsonError(gateway.get("/api/sensors/it-bad/reading", null), 503);
      assertTrue(badRead.path("error").asText().contains("output.rate.hz"), badRead.toString());
      deviceConfig(
          home,
          "bad",
          "sensor.id=it-bad",
          "mode=simulated",
          "output.rate.hz=50",
          "max.age.ms=100",
          "read.timeout.ms=120000");
      gateway.await(
          () -> gateway.health().path("sensors").path("it-bad").asText().equals("ok"),
          "it-bad back to ok after the corrected file",
          () -> gateway.health().toString());
      Files.delete(badFile);

      // 6. Hostile or odd requests get a 4xx JSON answer, never a 500 or a logged stack trace.
      long logLinesBefore = Files.readAllLines(log).size();
      assertJsonError(
          gateway.get("/api/sensors/tfluna-1/readings?from=%2B1000000000-01-01T00:00:00Z", null),
          400);
      assertJsonError(
          gateway.get("/api/sensors/tfluna-1/readings?to=-1000000000-01-01T00:00:00Z", null), 400);
      assertJsonError(gateway.get("/api/sensors/no-such-sensor/readings", null), 404);
      assertJsonError(gateway.get("/api/sensors/front%20left/readings", null), 404);
      RawHttp.Answer handshake =
          RawHttp.exchange(
              gateway.port,
              "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                  + "Authorization: "
                  + gateway.bearer()
                  + "\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
              true);
      assertEquals(400, handshake.status(), handshake.text());
      assertTrue(handshake.text().contains("\"status\":400"), handshake.text());
      gateway.await(
          () -> up(gateway),
          "the gateway up after the hostile requests",
          () -> gateway.health().toString());
      String newLog =
          String.join(
              "\n",
              Files.readAllLines(log)
                  .subList((int) logLinesBefore, Files.readAllLines(log).size()));
      assertFalse(newLog.contains("\tat "), "no stack trace logged for client errors:\n" + newLog);
    }
  }

  /**
   * 7. A secret with characters outside ASCII and a {@code ${}: typed into a {@code .cfg} file as
   * UTF-8 it arrives changed (FileInstall reads ISO-8859-1 and substitutes {@code ${...}}), so the
   * broker refuses the login, visibly; written as the README says, in a {@code .config} file with
   * escapes, it arrives intact and the gateway connects, without a restart.
   */
  @Test
  void aSecretWithAnyCharacterArrivesIntactThroughTheDocumentedConfigFile() throws Exception {
    String password = "p\u00e4\"ss${word}";
    Path brokerDir = temp.resolve("broker");
    try (Mosquitto broker =
            new Mosquitto(brokerDir, Mosquitto.passwordConfig(brokerDir, "gw", password));
        MqttIT.Subscriber subscriber =
            new MqttIT.Subscriber(
                broker.uri(),
                (javax.net.ssl.SSLSocketFactory) null,
                "gw",
                password,
                "sensorgw/it/tfluna-1/reading")) {
      Path home = Files.createDirectories(temp.resolve("home"));
      Path config = Files.createDirectories(home.resolve("config"));
      Path cfg = config.resolve("io.sensorgw.mqtt.cfg");
      Files.writeString(
          cfg,
          String.join(
              "\n",
              "broker.uris=" + broker.uri(),
              "gateway.id=it",
              "username=gw",
              ".password=" + password,
              "reconnect.min.ms=200",
              "reconnect.max.ms=1000",
              ""),
          StandardCharsets.UTF_8);
      try (RunningGateway gateway = new RunningGateway(home)) {
        // Reproduced: the password arrived changed, the broker refuses it, and /health says so.
        gateway.await(
            () -> gateway.partState("mqtt").equals("error"),
            "MQTT in error: the changed password refused",
            () -> gateway.health().toString());
        assertTrue(subscriber.messages.isEmpty(), "nothing published with a refused login");

        // Written as the README says: every value quoted, \\uXXXX outside ASCII, $\\{ for ${.
        Files.delete(cfg);
        Files.writeString(
            config.resolve("io.sensorgw.mqtt.config"),
            String.join(
                "\n",
                "broker.uris=\"" + broker.uri() + "\"",
                "gateway.id=\"it\"",
                "username=\"gw\"",
                ".password=\"p\\u00e4\\\"ss$\\{word}\"",
                "reconnect.min.ms=L\"200\"",
                "reconnect.max.ms=L\"1000\"",
                ""),
            StandardCharsets.ISO_8859_1);
        gateway.await(
            () -> gateway.partState("mqtt").equals("ok"),
            "MQTT ok with the intact password",
            () -> gateway.health().toString());
        gateway.await(
            () -> !subscriber.messages.isEmpty(),
            "readings published with the intact password",
            () -> gateway.health().toString());
      }
    }
  }
}
