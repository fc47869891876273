package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk, as users meet it: the store's H2 database and the MQTT spool live on a small
 * filesystem (a 16 MB tmpfs the test mounts, as root or through sudo), which the test then fills.
 * Both report the fault in /health while the rest of the gateway keeps answering, and both catch up
 * by themselves once space is freed.
 */
class DiskFullIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;

  /** Runs a command as root (directly, or through sudo without a password). */
  private static void asRoot(String... command) throws Exception {
    List<String> line = new ArrayList<>();
    if (!"root".equals(System.getProperty("user.name"))) line.addAll(List.of("sudo", "-n"));
    line.addAll(List.of(command));
    Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", line) + " failed: " + out);
    }
  }

  private static long storedCount(RunningGateway gateway) {
    try {
      // Everything stored of tfluna-1 in the last hour, counted in day buckets (one, or two at
      // midnight).
      JsonNode answer =
          JSON.readTree(gateway.get("/api/sensors/tfluna-1/readings?every=1d", null).body());
      long count = 0;
      for (JsonNode bucket : answer.path("buckets")) {
        count += bucket.path("values").path("distance").path("count").asLong();
      }
      return count;
    } catch (IOException e) {
      return -1;
    }
  }

  /** Writes zeros into {@code file} until the filesystem refuses: it is full. */
  private static void fill(Path file) throws IOException {
    byte[] block = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) out.write(block);
    } catch (IOException full) {
      if (!String.valueOf(full.getMessage()).contains("No space left")) throw full;
    }
  }

  @Test
  void aFullDiskIsAnErrorStateOfStoreAndSpoolAndBothCatchUpWhenSpaceIsFreed() throws Exception {
    Path small = Files.createDirectories(temp.resolve("small"));
    asRoot("mount", "-t", "tmpfs", "-o", "size=16m", "sensorgw-test", small.toString());
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"))) {
      Path home = Files.createDirectories(temp.resolve("home"));
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
      Files.writeString(
          config.resolve("io.sensorgw.store.cfg"),
          String.join(
              "\n",
              "jdbc.url=jdbc:h2:file:" + small.resolve("readings") + ";DB_CLOSE_ON_EXIT=FALSE",
              ""));
      Files.writeString(
          config.resolve("io.sensorgw.mqtt.cfg"),
          String.join(
              "\n",
              "broker.uris=" + broker.uri(),
              "gateway.id=it",
              "qos=1",
              "spool.dir=" + small.resolve("spool"),
              "reconnect.min.ms=200",
              "reconnect.max.ms=1000",
              ""));
      try (RunningGateway gateway = new RunningGateway(home)) {
        gateway.await(
            () ->
                gateway.partState("store").equals("ok")
                    && gateway.partState("mqtt").equals("ok")
                    && storedCount(gateway) > 0,
            "the store and MQTT up",
            () -> gateway.health().toString());

        Path filler = small.resolve("filler");
        fill(filler);
        gateway.await(
            () ->
                !gateway.partState("store").equals("ok") && !gateway.partState("mqtt").equals("ok"),
            "the store and the spool report the full disk",
            () -> gateway.health().toString());
        JsonNode degraded = gateway.health();
        assertEquals("degraded", degraded.path("status").asText(), degraded.toString());
        assertTrue(
            degraded.path("degraded").has("store") && degraded.path("degraded").has("mqtt"),
            degraded.toString());
        // The rest of the gateway keeps answering.
        assertEquals(200, gateway.get("/api/sensors/tfluna-1/reading", null).statusCode());
        assertEquals(200, gateway.get("/api/sensors", null).statusCode());
        long storedWhileFull = storedCount(gateway);

        Files.delete(filler);
        gateway.await(
            () -> gateway.partState("store").equals("ok") && gateway.partState("mqtt").equals("ok"),
            "the store and the spool back once space is freed",
            () -> gateway.health().toString());
        // Both catch up: new readings are stored and published again.
        gateway.await(
            () -> storedCount(gateway) > storedWhileFull + 100,
            "the store writing again",
            () -> "stored " + storedCount(gateway) + " (while full: " + storedWhileFull + ")");
        try (MqttIT.Subscriber subscriber =
            new MqttIT.Subscriber(broker.uri(), "sensorgw/it/tfluna-1/reading")) {
          gateway.await(
              () -> subscriber.messages.size() >= 50,
              "readings published again",
              () -> subscriber.messages.size() + " received; " + gateway.health());
        }
      }
    } finally {
      asRoot("umount", "-l", small.toString());
    }
  }
}
