package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power cut, as close as a test gets: the exported gateway is killed with SIGKILL at random
 * moments while it writes its H2 store and its MQTT spool under load (a TF-Luna at 100 Hz, every
 * reading published with QoS 1 to a real Mosquitto), and started again, 20 times. Every start opens
 * the database and the spool; in the end every reading that reached the spool has arrived at the
 * subscriber (duplicates allowed, gaps none).
 */
class CrashSafetyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int KILLS = 20;

  @TempDir Path temp;

  /** Distinct tfluna-1 sequence numbers that arrived on one run's topic. */
  private static TreeSet<Long> sequences(MqttIT.Subscriber subscriber, String topic) {
    TreeSet<Long> sequences = new TreeSet<>();
    for (MqttIT.Received message : subscriber.on(topic)) {
      try {
        sequences.add(JSON.readTree(message.payload()).get("sequence").asLong());
      } catch (Exception e) {
        throw new AssertionError("not a JSON reading on " + topic + ": " + message.payload());
      }
    }
    return sequences;
  }

  private static void configure(Path home, String gatewayId, Mosquitto broker) throws Exception {
    Files.writeString(
        home.resolve("config/io.sensorgw.mqtt.cfg"),
        String.join(
            "\n",
            "broker.uris=" + broker.uri(),
            "gateway.id=" + gatewayId,
            "qos=1",
            "reconnect.min.ms=200",
            "reconnect.max.ms=1000",
            ""));
  }

  @Test
  void killedTwentyTimesWhileWritingTheDatabaseAndSpoolOpensEveryTimeAndLosesNothingSpooled()
      throws Exception {
    long seed = Long.getLong("sensorgw.crash.seed", System.nanoTime());
    Random random = new Random(seed);
    System.out.println("crash safety: seed " + seed + " (-Dsensorgw.crash.seed to repeat)");
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"));
        MqttIT.Subscriber subscriber =
            new MqttIT.Subscriber(broker.uri(), "sensorgw/+/tfluna-1/reading")) {
      Path home = Files.createDirectories(temp.resolve("home"));
      Files.createDirectories(home.resolve("config"));
      Files.writeString(
          home.resolve("config/io.sensorgw.device.tfluna-sim.cfg"),
          String.join(
              "\n",
              "sensor.id=tfluna-1",
              "mode=simulated",
              "output.rate.hz=100",
              "max.age.ms=100",
              "publish.interval.ms=0",
              ""));
      List<String> topics = new ArrayList<>();
      for (int run = 1; run <= KILLS; run++) {
        // Each run publishes under its own gateway id, so its readings are told apart from the
        // others' (its sequence numbers start at 1 again); spooled messages keep their topic.
        String topic = "sensorgw/run" + run + "/tfluna-1/reading";
        topics.add(topic);
        configure(home, "run" + run, broker);
        int readingsBeforeKill = 1 + random.nextInt(150);
        RunningGateway gateway = new RunningGateway(home);
        try {
          // The database opened: the history answers and the store writes this run's readings.
          gateway.awaitResponse(
              "/api/sensors/tfluna-1/readings?limit=1",
              r -> r.statusCode() == 200,
              "run " + run + ": the store answers after the previous kill");
          gateway.await(
              () -> gateway.sourceMetric("store", "written") > 0,
              "run " + run + ": the store writing",
              () -> "written " + gateway.sourceMetric("store", "written"));
          // The spool opened: this run's readings reach the broker through it.
          gateway.await(
              () -> sequences(subscriber, topic).size() >= readingsBeforeKill,
              "run " + run + ": " + readingsBeforeKill + " readings published",
              () ->
                  sequences(subscriber, topic).size()
                      + " so far; pending "
                      + gateway.sourceMetric("mqtt", "spoolPending"));
          assertEquals(
              0,
              gateway.sourceMetric("mqtt", "deadLetters"),
              "run " + run + ": no reading set aside");
        } finally {
          gateway.process.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, no goodbye
          assertTrue(gateway.process.waitFor(1, TimeUnit.MINUTES), "the killed gateway ended");
        }
      }

      configure(home, "final", broker);
      try (RunningGateway gateway = new RunningGateway(home)) {
        gateway.awaitResponse(
            "/api/sensors/tfluna-1/readings?limit=1",
            r -> r.statusCode() == 200,
            "the store answers after " + KILLS + " kills");
        // The spool is sent in order: once a reading of this run arrives, everything the killed
        // runs left in the spool has arrived before it.
        gateway.await(
            () -> !subscriber.on("sensorgw/final/tfluna-1/reading").isEmpty(),
            "the spool drained after " + KILLS + " kills",
            () ->
                "pending "
                    + gateway.sourceMetric("mqtt", "spoolPending")
                    + ", corrupt "
                    + gateway.sourceMetric("mqtt", "spoolCorrupt"));
        long received = 0;
        for (String topic : topics) {
          TreeSet<Long> sequences = sequences(subscriber, topic);
          assertFalse(sequences.isEmpty(), topic + ": nothing arrived");
          // In order per sensor through one spool: a reading that reached the spool and was lost
          // would be a gap below the newest that arrived. The very first readings of a start can
          // come before the MQTT listener is registered (both are started by the same FileInstall
          // scan) and never reach the spool: counted from the first that arrived.
          assertEquals(
              sequences.last() - sequences.first() + 1,
              sequences.size(),
              topic
                  + ": gaps in "
                  + sequences.first()
                  + ".."
                  + sequences.last()
                  + " ("
                  + sequences.size()
                  + " distinct)");
          received += sequences.size();
        }
        // Configuration files are only ever replaced whole (FileInstall's own write-back truncated
        // them in place, and could read one back empty): every seeded file still says what it said.
        Path defaults =
            Path.of(System.getProperty("sensorgw.repo", ".."))
                .toAbsolutePath()
                .normalize()
                .resolve("runtime/config");
        for (String seeded :
            List.of("io.sensorgw.alarm-tfluna-close.cfg", "io.sensorgw.device.hcsr04-sim.cfg")) {
          assertEquals(
              Files.readString(defaults.resolve(seeded)),
              Files.readString(home.resolve("config").resolve(seeded)),
              seeded + " after " + KILLS + " kills");
        }
        System.out.printf(
            "crash safety: %d kills, %d distinct readings arrived, %d messages in all%n",
            KILLS, received, subscriber.messages.size());
      }
    }
  }
}
