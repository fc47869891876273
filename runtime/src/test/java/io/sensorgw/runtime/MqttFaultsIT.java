package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT faults as a user meets them (issue #17), on the exported gateway and a real Mosquitto: a bad
 * setting is an error in /health with its line, never a dead sender; a poisoned or damaged spool
 * left by an older version costs only the bad records; and fixing the setting in config/ sends
 * everything kept, without a restart.
 */
class MqttFaultsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long DEADLINE_NANOS = TimeUnit.MINUTES.toNanos(3);
  private static final String READINGS = "sensorgw/it/tfluna-1/reading";

  @TempDir Path temp;

  /** A plain MQTT client that records every message on the broker. */
  private static void await(BooleanSupplier condition, String what, Supplier<String> details) {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("timed out waiting for " + what + ": " + details.get());
      LockSupport.parkNanos(50_000_000);
    }
  }

  /** A home with the simulated TF-Luna publishing every frame (100 Hz) and MQTT configured. */
  private Path home(String... mqttLines) throws Exception {
    Path home = Files.createDirectories(temp.resolve("gw"));
    Path config = Files.createDirectories(home.resolve("config"));
    Files.writeString(
        config.resolve("io.sensorgw.device.tfluna-sim.cfg"),
        String.join(
            "\n",
            "sensor.id=tfluna-1",
            "mode=simulated",
            "output.rate.hz=100",
            "max.age.ms=100",
            "publish.interval.ms=0",
            ""));
    List<String> lines = new ArrayList<>(List.of("gateway.id=it", "qos=1"));
    lines.addAll(List.of(mqttLines));
    Files.write(config.resolve("io.sensorgw.mqtt.cfg"), lines);
    return home;
  }

  /** Edits the MQTT config file as a user would; the gateway applies it without a restart. */
  private static void editConfig(Path home, String from, String to) throws Exception {
    Path file = home.resolve("config/io.sensorgw.mqtt.cfg");
    String text = Files.readString(file);
    assertTrue(text.contains(from), text);
    Files.writeString(file, text.replace(from, to));
  }

  private static double metric(RunningGateway gateway, String name) {
    Pattern line = RunningGateway.sourceMetricLine("mqtt", name);
    try {
      Matcher m = line.matcher(gateway.get("/metrics", null).body());
      return m.find() ? Double.parseDouble(m.group(1)) : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  /** The mqtt part of /health: {"state": ..., "reason": ...}, or an empty node. */
  private static JsonNode mqttHealth(RunningGateway gateway) {
    try {
      JsonNode part = JSON.readTree(gateway.get("/health", null).body()).path("parts").path("mqtt");
      return part.isMissingNode() ? JSON.createObjectNode() : part;
    } catch (Exception e) {
      return JSON.createObjectNode();
    }
  }

  private static String health(RunningGateway gateway) {
    try {
      return gateway.get("/health", null).body();
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static List<Long> sequences(List<MqttIT.Received> readings) {
    List<Long> sequences = new ArrayList<>();
    for (MqttIT.Received r : readings) {
      try {
        sequences.add(JSON.readTree(r.payload()).get("sequence").asLong());
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + r.payload());
      }
    }
    return sequences;
  }

  /** Distinct sequences in first-arrival order rise by one each time: nothing lost, in order. */
  private static void assertContiguous(List<Long> sequences, String what) {
    long previous = -1;
    for (long sequence : new LinkedHashSet<>(sequences)) {
      if (previous >= 0)
        assertEquals(previous + 1, sequence, what + ": after " + previous + " came " + sequence);
      previous = sequence;
    }
  }

  /**
   * One spool record as the gateway writes it: [length][crc32][millis][qos][retain][topic
   * length][topic][payload].
   */
  private static byte[] record(String topic, String payload, int qos, boolean retain) {
    byte[] t = topic.getBytes(StandardCharsets.UTF_8);
    byte[] p = payload.getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(12 + t.length + p.length);
    body.putLong(System.currentTimeMillis())
        .put((byte) qos)
        .put((byte) (retain ? 1 : 0))
        .putShort((short) t.length)
        .put(t)
        .put(p)
        .flip();
    CRC32 crc = new CRC32();
    crc.update(body.duplicate());
    return ByteBuffer.allocate(12 + body.remaining())
        .putInt(body.remaining())
        .putLong(crc.getValue())
        .put(body)
        .array();
  }

  @Test
  void aWildcardInTheDiscoveryPrefixIsAnErrorInHealthTelemetryFlowsAndTheFixNeedsNoRestart()
      throws Exception {
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"))) {
      Path home =
          home(
              "broker.uris=" + broker.uri(),
              "reconnect.min.ms=200",
              "reconnect.max.ms=1000",
              "homeassistant.discovery=true",
              "homeassistant.prefix=ha/#");
      // The spool an older gateway left with this prefix: a discovery config Paho refuses (it
      // stopped telemetry for good), a damaged stretch, and a message that must still go out.
      Path spool = Files.createDirectories(home.resolve("data/mqtt-spool"));
      byte[] garbage =
          "this was a record before the disk flipped a bit".getBytes(StandardCharsets.US_ASCII);
      Files.write(
          spool.resolve("000000000001.seg"),
          concat(
              record("ha/#/sensor/it/tfluna-1_distance/config", "{}", 1, true),
              garbage,
              record("sensorgw/it/seeded/reading", "spooled by an older gateway", 1, false)));

      try (MqttIT.Subscriber subscriber = new MqttIT.Subscriber(broker.uri(), "#");
          RunningGateway gateway = new RunningGateway(home)) {
        await(
            () -> "error".equals(mqttHealth(gateway).path("state").asText()),
            "mqtt in state error",
            () -> health(gateway));
        JsonNode body = JSON.readTree(gateway.get("/health", null).body());
        assertEquals("degraded", body.get("status").asText(), body.toString());
        assertEquals(
            "homeassistant.prefix='ha/#' contains the wildcard '#' (only subscriptions may)",
            mqttHealth(gateway).get("reason").asText());
        assertEquals(200, gateway.status("/health", null));
        // The console's Sensors page lists the part with the same state and reason.
        JsonNode page =
            JSON.readTree(
                gateway.get("/system/console/sensors/data.json", gateway.consoleAuth()).body());
        JsonNode consolePart = null;
        for (JsonNode part : page.path("parts"))
          if (part.path("name").asText().equals("mqtt")) consolePart = part;
        assertTrue(
            consolePart != null
                && consolePart.path("state").asText().equals("error")
                && consolePart.path("reason").asText().startsWith("homeassistant.prefix='ha/#'"),
            page.toString());

        // Telemetry goes on: the message behind the poisoned one, and every new reading, in order.
        await(
            () -> !subscriber.on("sensorgw/it/seeded/reading").isEmpty(),
            "the spooled message behind the poisoned one",
            () ->
                subscriber.messages.size()
                    + " messages; metrics deadLetters "
                    + metric(gateway, "deadLetters"));
        assertEquals(
            "spooled by an older gateway",
            subscriber.on("sensorgw/it/seeded/reading").get(0).payload());
        await(
            () -> subscriber.on(READINGS).size() >= 100,
            "100 readings while in error",
            () -> subscriber.messages.size() + "");
        assertContiguous(sequences(subscriber.on(READINGS)), "readings while the prefix is bad");
        assertEquals(1, metric(gateway, "connected"), "connected and sending");
        assertEquals(1, metric(gateway, "deadLetters"), "the poisoned message set aside once");
        assertEquals(1, metric(gateway, "spoolCorrupt"), "the damaged stretch skipped once");
        assertTrue(
            subscriber.messages.stream().noneMatch(m -> m.topic().startsWith("ha/")),
            "nothing under a bad prefix");
        String log = Files.readString(gateway.log);
        assertTrue(
            log.contains(
                "bad settings (Home Assistant discovery is off): homeassistant.prefix='ha/#'"),
            "one clear line");
        assertTrue(
            log.contains(
                "set aside a spooled message that cannot be sent: topic contains the wildcard '#'"),
            log);
        assertTrue(
            log.contains("damaged record in ") && log.contains("000000000001.seg at offset "), log);
        assertTrue(!log.contains("Exception in thread"), "no thread died");

        // The user fixes the prefix; the gateway picks the file up.
        long before = subscriber.on(READINGS).size();
        editConfig(home, "homeassistant.prefix=ha/#", "homeassistant.prefix=ha");
        String entity = "ha/sensor/it/tfluna-1_distance/config";
        await(
            () -> !subscriber.on(entity).isEmpty(),
            "discovery under the fixed prefix",
            () -> health(gateway));
        JsonNode config = JSON.readTree(subscriber.on(entity).get(0).payload());
        assertEquals(READINGS, config.get("state_topic").asText());
        await(
            () -> "ok".equals(mqttHealth(gateway).path("state").asText()),
            "mqtt ok again",
            () -> health(gateway));
        await(
            () -> subscriber.on(READINGS).size() > before + 100,
            "readings after the fix",
            () -> "");
        await(
            () -> metric(gateway, "spoolPending") < 50,
            "the spool drained",
            () -> "pending " + metric(gateway, "spoolPending"));
        assertTrue(
            !Files.readString(gateway.log).contains("cannot write the spool"),
            "a reconfiguration is not a disk fault");
      }
    }
  }

  @Test
  void aBadReconnectSettingHoldsTelemetryInTheSpoolAndFixingItSendsAllOfIt() throws Exception {
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"))) {
      Path home =
          home("broker.uris=" + broker.uri(), "reconnect.min.ms=0", "reconnect.max.ms=1000");
      try (MqttIT.Subscriber subscriber = new MqttIT.Subscriber(broker.uri(), "#");
          RunningGateway gateway = new RunningGateway(home)) {
        await(
            () -> "error".equals(mqttHealth(gateway).path("state").asText()),
            "mqtt in state error",
            () -> health(gateway));
        assertEquals(
            "reconnect.min.ms=0 is out of range (100..600000)",
            mqttHealth(gateway).get("reason").asText());
        await(
            () -> metric(gateway, "spoolPending") > 200,
            "readings held in the spool",
            () -> "pending " + metric(gateway, "spoolPending"));
        assertEquals(
            0,
            metric(gateway, "connectFailures"),
            "no connection attempt at all, let alone 1,270 a second");
        assertEquals(0, metric(gateway, "connected"));
        assertTrue(subscriber.on(READINGS).isEmpty(), "nothing sent with a bad setting");
        long newestHeld =
            JSON.readTree(gateway.get("/api/sensors/tfluna-1/reading", null).body())
                .get("sequence")
                .asLong();

        editConfig(home, "reconnect.min.ms=0", "reconnect.min.ms=200");
        await(
            () -> sequences(subscriber.on(READINGS)).stream().anyMatch(s -> s >= newestHeld),
            "reading " + newestHeld + ", held while the setting was bad",
            () -> subscriber.on(READINGS).size() + " readings; " + health(gateway));
        // The new configuration is a new component instance; readings made while it changes over
        // are not the held ones. The held ones are those up to newestHeld: all of them, in order.
        List<Long> held =
            sequences(subscriber.on(READINGS)).stream().filter(s -> s <= newestHeld).toList();
        assertContiguous(held, "the readings held while the setting was bad");
        // Over 200 were held; the first to arrive is from the start of the error, well before the
        // newest.
        assertTrue(
            held.get(0) < newestHeld - 100,
            "the oldest held readings came too: first "
                + held.get(0)
                + ", newest held "
                + newestHeld);
        await(
            () -> "ok".equals(mqttHealth(gateway).path("state").asText()),
            "mqtt ok",
            () -> health(gateway));
        assertTrue(
            !Files.readString(gateway.log).contains("cannot write the spool"),
            "a reconfiguration is not a disk fault");
      }
    }
  }

  /**
   * The broker takes readings but not the larger discovery configs (its max_packet_size is between
   * them): it closes the connection each time one is sent, which used to resend it forever while
   * the spool grew. Each is set aside after three such losses, and the readings behind it arrive.
   */
  @Test
  void aMessageTheBrokerWillNotTakeIsSetAsideAndTheOnesBehindItArrive() throws Exception {
    // A reading is about 290 bytes on the wire here, a discovery config about 600.
    try (Mosquitto broker =
        new Mosquitto(
            temp.resolve("broker"), List.of("allow_anonymous true", "max_packet_size 450"))) {
      Path home =
          home(
              "broker.uris=" + broker.uri(),
              "reconnect.min.ms=100",
              "reconnect.max.ms=500",
              "homeassistant.discovery=true",
              "homeassistant.prefix=ha");
      try (MqttIT.Subscriber subscriber = new MqttIT.Subscriber(broker.uri(), "#");
          RunningGateway gateway = new RunningGateway(home)) {
        // TF-Luna has three values, so three discovery configs the broker refuses.
        await(
            () -> metric(gateway, "deadLetters") >= 3,
            "the three discovery configs set aside",
            () ->
                "deadLetters "
                    + metric(gateway, "deadLetters")
                    + ", reconnects "
                    + metric(gateway, "reconnects")
                    + ", spoolPending "
                    + metric(gateway, "spoolPending"));
        long before = subscriber.on(READINGS).size();
        await(
            () -> subscriber.on(READINGS).size() > before + 300,
            "readings flowing after them",
            () -> health(gateway));
        await(
            () -> metric(gateway, "spoolPending") < 50,
            "the spool drained",
            () -> "pending " + metric(gateway, "spoolPending"));
        // The default home's other sensors have configs (and the camera readings) the broker
        // refuses
        // too: the count settles once each was met, and no TF-Luna reading is among them.
        double setAside = metric(gateway, "deadLetters");
        long settled = subscriber.on(READINGS).size();
        await(
            () -> subscriber.on(READINGS).size() > settled + 300,
            "more readings",
            () -> health(gateway));
        assertEquals(
            setAside, metric(gateway, "deadLetters"), "nothing more set aside while readings flow");
        assertContiguous(
            sequences(subscriber.on(READINGS)), "TF-Luna readings around the refused messages");
        // (The gateway's own device config is smaller than the limit and does get through.)
        assertTrue(
            subscriber.messages.stream().noneMatch(m -> m.topic().startsWith("ha/sensor/")),
            "no sensor config got through");
        String log = Files.readString(gateway.log);
        assertTrue(
            log.contains(
                "set aside a spooled message that cannot be sent: the broker closed the connection each "
                    + "time it was sent"),
            log);
        assertTrue(!log.contains("Exception in thread"), "no thread died");
      }
    }
  }

  private static byte[] concat(byte[]... parts) {
    ByteBuffer all =
        ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
    for (byte[] part : parts) all.put(part);
    return all.array();
  }
}
