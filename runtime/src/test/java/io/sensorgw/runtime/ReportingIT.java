package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.runtime.MqttIT.Received;
import io.sensorgw.runtime.MqttIT.Subscriber;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reporting rules end to end on the exported gateway: the simulated TF-Luna publishes 100 readings
 * a second; a raw stream client gets every one, MQTT (a real Mosquitto) gets exactly the ones a
 * deadband with a heartbeat passes. The test computes that sequence itself from the raw readings.
 */
class ReportingIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double DEADBAND_CM = 5;
  private static final Duration HEARTBEAT = Duration.ofMillis(1000);

  /** Raw readings to compare over: 12 s at 100 Hz, heartbeats and changes both. */
  private static final int RAW_READINGS = 1200;

  @TempDir Path temp;

  /** One reading as the stream or MQTT carried it. */
  record Sample(long sequence, Instant at, double distance, String quality) {
    static Sample of(String json) {
      try {
        JsonNode node = JSON.readTree(json);
        return new Sample(
            node.get("sequence").asLong(),
            Instant.parse(node.get("timestamp").asText()),
            node.get("values").get("distance").get("value").asDouble(),
            node.get("quality").asText());
      } catch (IOException e) {
        throw new UncheckedIOException("not a reading: " + json, e);
      }
    }
  }

  private static void await(
      BooleanSupplier condition, String what, java.util.function.Supplier<String> details) {
    long deadline = System.nanoTime() + RunningGateway.DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("timed out waiting for " + what + ": " + details.get());
      LockSupport.parkNanos(50_000_000);
    }
  }

  /**
   * What the rule reports after {@code anchor} (a reported reading): a reading whose distance is at
   * least the deadband from the last reported one, or a heartbeat after, or a quality change.
   */
  static List<Long> expectedReports(Sample anchor, List<Sample> raw) {
    List<Long> expected = new ArrayList<>();
    Sample last = anchor;
    for (Sample sample : raw) {
      if (sample.sequence() <= anchor.sequence()) continue;
      boolean due =
          Math.abs(sample.distance() - last.distance()) >= DEADBAND_CM
              || Duration.between(last.at(), sample.at()).compareTo(HEARTBEAT) >= 0
              || !sample.quality().equals(last.quality());
      if (due) {
        expected.add(sample.sequence());
        last = sample;
      }
    }
    return expected;
  }

  @Test
  void mqttGetsExactlyWhatTheDeadbandAndHeartbeatPassWhileARawStreamGetsEveryReading()
      throws Exception {
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"))) {
      Path home = Files.createDirectories(temp.resolve("gw"));
      Path config = Files.createDirectories(home.resolve("config"));
      Files.writeString(
          config.resolve("io.sensorgw.device.tfluna-sim.cfg"),
          String.join(
              "\n",
              "sensor.id=tfluna-1",
              "mode=simulated",
              "output.rate.hz=100",
              "publish.interval.ms=0",
              ""));
      Files.writeString(
          config.resolve("io.sensorgw.reporting-tfluna.cfg"),
          String.join(
              "\n",
              "sensor=tfluna-1",
              "value=distance",
              "report=on.change",
              "deadband=" + DEADBAND_CM,
              "max.interval.ms=" + HEARTBEAT.toMillis(),
              ""));
      Files.write(
          config.resolve("io.sensorgw.mqtt.cfg"),
          List.of(
              "gateway.id=it",
              "broker.uris=" + broker.uri(),
              "qos=1",
              "retain=false",
              "reconnect.min.ms=200",
              "reconnect.max.ms=1000"));
      String topic = "sensorgw/it/tfluna-1/reading";
      try (Subscriber subscriber = new Subscriber(broker.uri(), topic);
          RunningGateway gateway = new RunningGateway(home)) {
        List<Sample> raw = new CopyOnWriteArrayList<>();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request =
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + gateway.port
                            + "/api/stream?sensor=tfluna-1&raw=true"))
                .header("Authorization", gateway.bearer())
                .build();
        CompletableFuture<HttpResponse<Stream<String>>> stream =
            http.sendAsync(request, HttpResponse.BodyHandlers.ofLines());
        CompletableFuture<Void> reading =
            stream.thenAcceptAsync(
                response -> {
                  try (Stream<String> lines = response.body()) { // closing it ends the connection
                    lines
                        .filter(line -> line.startsWith("data: {") && line.contains("\"sequence\""))
                        .takeWhile(line -> raw.size() < RAW_READINGS)
                        .forEach(line -> raw.add(Sample.of(line.substring("data: ".length()))));
                  }
                });
        try {
          await(
              () -> raw.size() >= RAW_READINGS,
              RAW_READINGS + " raw readings on the stream",
              () -> raw.size() + " so far");
          List<Sample> rawSeen = List.copyOf(raw);
          for (int i = 1; i < rawSeen.size(); i++) {
            assertEquals(
                rawSeen.get(i - 1).sequence() + 1,
                rawSeen.get(i).sequence(),
                "the raw stream skips nothing");
          }
          long lastRaw = rawSeen.get(rawSeen.size() - 1).sequence();
          // MQTT is behind the stream by at most a moment: wait until it reported past the raw
          // window
          // or a heartbeat after it must have come.
          await(
              () -> mqttSamples(subscriber).stream().anyMatch(s -> s.sequence() > lastRaw),
              "an MQTT report after reading " + lastRaw,
              () -> subscriber.messages.size() + " messages");
          List<Sample> reported = mqttSamples(subscriber);
          Sample anchor =
              reported.stream()
                  .filter(s -> s.sequence() >= rawSeen.get(0).sequence())
                  .findFirst()
                  .orElseThrow(() -> new AssertionError("no report within the raw window"));
          List<Long> expected = expectedReports(anchor, rawSeen);
          List<Long> actual =
              reported.stream()
                  .map(Sample::sequence)
                  .filter(s -> s > anchor.sequence() && s <= lastRaw)
                  .toList();
          assertEquals(expected, actual, "MQTT carries exactly what the rule passes");
          assertTrue(
              expected.size() >= 10, "the window had reports to compare: " + expected.size());
          long rawCount = lastRaw - anchor.sequence();
          System.out.printf(
              "reporting: %d raw readings, %d reported to MQTT (%.1f %%) with deadband %s cm, heartbeat %d ms%n",
              rawCount,
              expected.size(),
              100.0 * expected.size() / rawCount,
              DEADBAND_CM,
              HEARTBEAT.toMillis());
        } finally {
          stream.cancel(true);
          reading.cancel(true);
        }
      }
    }
  }

  private static List<Sample> mqttSamples(Subscriber subscriber) {
    List<Sample> samples = new ArrayList<>();
    for (Received message : subscriber.messages) samples.add(Sample.of(message.payload()));
    return samples;
  }
}
