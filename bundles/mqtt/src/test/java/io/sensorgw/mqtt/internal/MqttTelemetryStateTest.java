package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.HealthSource.Health;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorState;
import io.sensorgw.api.Value;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The component's states without a broker (an address nothing listens on): a bad setting is an
 * error state with its line and never a failed activation or a dead thread, and readings are
 * spooled or refused as the README says.
 */
class MqttTelemetryStateTest {
  private static final long DEADLINE_NANOS = TimeUnit.MINUTES.toNanos(2);

  @TempDir Path dir;
  private final List<MqttTelemetry> started = new ArrayList<>();

  @AfterEach
  void stopAll() {
    for (MqttTelemetry telemetry : started) telemetry.deactivate();
    await(
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .noneMatch(
                    t ->
                        t.isAlive()
                            && (t.getName().startsWith("sensorgw-mqtt-")
                                || t.getName().contains("sensorgw-unit"))),
        "no thread of the component left",
        () -> Thread.getAllStackTraces().keySet().toString());
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private MqttTelemetry start(String... lines) throws Exception {
    List<String> all =
        new ArrayList<>(
            List.of(
                "broker.uris=tcp://127.0.0.1:" + closedPort(),
                "gateway.id=unit",
                "spool.dir=" + dir.resolve("spool"),
                "flush.timeout.ms=0",
                "reconnect.min.ms=100",
                "reconnect.max.ms=200"));
    all.addAll(List.of(lines));
    MqttTelemetry telemetry = new MqttTelemetry(TestConfig.of(all.toArray(String[]::new)));
    started.add(telemetry);
    return telemetry;
  }

  private static Reading reading(long sequence) {
    return new Reading(
        "tfluna-1",
        sequence,
        Instant.now(),
        Map.of("distance", Value.of(100, "cm")),
        Quality.SIMULATED,
        Duration.ZERO,
        "");
  }

  private static long metric(MqttTelemetry telemetry, String name) {
    Number value = telemetry.metrics().get(name);
    return value == null ? -1 : value.longValue();
  }

  private static void await(BooleanSupplier condition, String what, Supplier<String> details) {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("timed out waiting for " + what + ": " + details.get());
      LockSupport.parkNanos(20_000_000);
    }
  }

  @Test
  void aWildcardInTheDiscoveryPrefixIsAnErrorWithItsLineAndReadingsStillGoToTheSpool()
      throws Exception {
    MqttTelemetry telemetry = start("homeassistant.discovery=true", "homeassistant.prefix=ha/#");
    assertEquals(
        new Health(
            SensorState.ERROR,
            "homeassistant.prefix='ha/#' contains the wildcard '#' (only subscriptions may)"),
        telemetry.health());
    telemetry.onReading(reading(1));
    assertEquals(
        1,
        metric(telemetry, "spoolPending"),
        "the reading, and no discovery config for a bad prefix");
    assertEquals(0, metric(telemetry, "refused"));
    assertEquals(1, metric(telemetry, "settingsProblems"));
    assertTrue(
        telemetry.metricDescriptions().keySet().containsAll(telemetry.metrics().keySet()),
        "every metric described, so /metrics knows counters from gauges: " + telemetry.metrics());
  }

  @Test
  void aBadReconnectSettingNeverConnectsAndKeepsReadingsForWhenItIsFixed() throws Exception {
    MqttTelemetry bad = start("reconnect.min.ms=0");
    assertEquals(
        new Health(SensorState.ERROR, "reconnect.min.ms=0 is out of range (100..600000)"),
        bad.health());
    for (int i = 1; i <= 3; i++) bad.onReading(reading(i));
    assertEquals(3, metric(bad, "spoolPending"));
    assertEquals(0, metric(bad, "connectFailures"), "no attempt at all, let alone 1,270 a second");
    assertEquals(0, metric(bad, "connected"));
    bad.deactivate();
    started.remove(bad);

    MqttTelemetry fixed = start(); // ConfigAdmin's update: a new instance on the same spool
    assertEquals(3, metric(fixed, "spoolPending"), "kept for the broker");
    await(
        () ->
            fixed.health().state() == SensorState.ERROR
                && fixed.health().reason().startsWith("not connected to tcp://127.0.0.1:"),
        "the unreachable broker as the state",
        () -> fixed.health().toString());
    assertTrue(fixed.health().reason().contains(" since 20"), fixed.health().reason());
    assertTrue(fixed.health().reason().endsWith("; 3 messages spooled"), fixed.health().reason());
    assertEquals(0, metric(fixed, "connected"));
  }

  @Test
  void aBadTopicPrefixRefusesReadingsAndCountsThem() throws Exception {
    MqttTelemetry telemetry = start("topic.prefix=plant//line");
    assertEquals(
        new Health(SensorState.ERROR, "topic.prefix='plant//line' has an empty topic level"),
        telemetry.health());
    telemetry.onReading(reading(1));
    assertEquals(1, metric(telemetry, "refused"));
    assertFalse(Files.exists(dir.resolve("spool")), "no spool for topics that cannot exist");
  }

  @Test
  void aSpoolThatCannotBeOpenedIsAnErrorThatClearsByItselfAndLosesNothing() throws Exception {
    Path blocker = Files.writeString(dir.resolve("spool"), "a file where the folder should be");
    MqttTelemetry telemetry = start();
    Health health = telemetry.health();
    assertEquals(SensorState.ERROR, health.state());
    assertTrue(
        health.reason().contains("cannot open the spool") && health.reason().endsWith("; retrying"),
        health.reason());
    telemetry.onReading(reading(1));
    telemetry.onReading(reading(2));
    assertEquals(2, metric(telemetry, "heldInMemory"));
    Files.delete(blocker);
    await(
        () -> metric(telemetry, "spoolPending") == 2 && metric(telemetry, "heldInMemory") == 0,
        "the held readings in the spool once it opens",
        () -> telemetry.metrics().toString());
    await(
        () -> !telemetry.health().reason().contains("cannot open the spool"),
        "the spool fault cleared",
        () -> telemetry.health().toString());
  }
}
