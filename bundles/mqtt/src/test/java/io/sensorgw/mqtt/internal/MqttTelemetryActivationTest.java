package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sensorgw.api.HealthSource.Health;
import io.sensorgw.api.SensorState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An activation that fails leaves nothing open: DS calls no deactivate after a constructor that
 * throws, so the constructor closes the spool's files, threads and client itself.
 */
class MqttTelemetryActivationTest {
  @TempDir Path dir;

  /** Files this process holds open under {@code folder} (Linux: /proc/self/fd). */
  private static long openFilesUnder(Path folder) {
    long count = 0;
    try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path descriptor : descriptors) {
        try {
          if (Files.readSymbolicLink(descriptor).startsWith(folder)) count++;
        } catch (IOException e) {
          // closed since the listing (the listing's own descriptor, say)
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return count;
  }

  private static boolean componentThreadsAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.isAlive() && t.getName().startsWith("sensorgw-mqtt-"));
  }

  private static void awaitNoComponentThread() {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (componentThreadsAlive() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    assertTrue(!componentThreadsAlive(), () -> Thread.getAllStackTraces().keySet().toString());
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void aStartThatFailsAfterTheSpoolIsOpenClosesItAndWhatElseItOpened() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "counts open files through /proc");
    Path spoolDir = dir.toRealPath().resolve("spool");
    MqttConfig config =
        TestConfig.of(
            "broker.uris=tcp://127.0.0.1:" + closedPort(),
            "gateway.id=unit",
            "spool.dir=" + spoolDir,
            "homeassistant.discovery=true",
            "commands.enabled=true",
            "flush.timeout.ms=0");
    AtomicLong openWhenConnecting = new AtomicLong();
    // What Paho's or our threads meet on a small device; anything thrown there would do.
    OutOfMemoryError failure = new OutOfMemoryError("unable to create native thread");
    OutOfMemoryError thrown =
        assertThrows(
            OutOfMemoryError.class,
            () ->
                new MqttTelemetry(
                    config,
                    (settings, sender, commands, housekeeping, incidents, running) -> {
                      openWhenConnecting.set(openFilesUnder(spoolDir));
                      throw failure;
                    }));

    assertSame(failure, thrown, "the activation fails with the cause");
    assertTrue(openWhenConnecting.get() > 0, "the spool was open when the client was made");
    assertEquals(0, openFilesUnder(spoolDir), "the spool's files are closed");
    awaitNoComponentThread();
    try (Spool again = new Spool(spoolDir, 1 << 20, Duration.ofDays(1), Clock.systemUTC())) {
      assertEquals(1, again.pending(), "the gateway's discovery config spooled before is kept");
    }
    assertEquals(0, openFilesUnder(spoolDir));
  }

  @Test
  void badTlsFilesAreASettingsProblemAndNothingStaysOpenAfterTheStop() throws Exception {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "counts open files through /proc");
    Path spoolDir = dir.toRealPath().resolve("spool");
    Path ca =
        Files.writeString(
            dir.resolve("ca.pem"),
            "-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
    MqttTelemetry telemetry =
        new MqttTelemetry(
            TestConfig.of(
                "broker.uris=ssl://127.0.0.1:" + closedPort(),
                "gateway.id=unit",
                "spool.dir=" + spoolDir,
                "tls.ca.file=" + ca,
                "flush.timeout.ms=0"));
    try {
      Health health = telemetry.health();
      assertEquals(SensorState.ERROR, health.state());
      assertTrue(health.reason().contains("TLS files"), health.reason());
      assertEquals(1, telemetry.metrics().get("settingsProblems").longValue());
      assertTrue(openFilesUnder(spoolDir) > 0, "readings are still spooled");
    } finally {
      telemetry.deactivate();
    }
    assertEquals(0, openFilesUnder(spoolDir), "the spool's files are closed");
    awaitNoComponentThread();
  }
}
