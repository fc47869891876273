package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sensorgw.api.HealthSource.Health;
import io.sensorgw.api.SensorState;
import io.sensorgw.mqtt.internal.TelemetryHealth.Facts;
import io.sensorgw.mqtt.internal.TelemetryHealth.Fault;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TelemetryHealthTest {
  private static final Instant T = Instant.parse("2026-11-27T10:00:00.123Z");

  /** Connected, sending, nothing wrong; each test spoils one thing. */
  private static Facts fine() {
    return new Facts(
        List.of(),
        null,
        null,
        0,
        null,
        false,
        null,
        "tcp://b:1883",
        0,
        true,
        null,
        null,
        "",
        null,
        "");
  }

  private static Health assess(Facts f) {
    return TelemetryHealth.assess(f);
  }

  @Test
  void okOnlyWhenConnectedAndSending() {
    assertEquals(Health.ok(), assess(fine()));
    Facts f = fine();
    assertEquals(
        new Health(SensorState.STARTING, "connecting to tcp://b:1883"),
        assess(
            new Facts(
                f.settingsProblems(),
                null,
                null,
                0,
                null,
                true,
                null,
                f.brokers(),
                3,
                true,
                null,
                null,
                "",
                null,
                "")));
  }

  @Test
  void badSettingsComeFirstAsOneLine() {
    Facts f =
        new Facts(
            List.of(
                "reconnect.min.ms=0 is out of range (100..600000)", "qos=3 is out of range (0..2)"),
            null,
            null,
            0,
            null,
            false,
            new Fault("refused", T),
            "tcp://b:1883",
            5,
            true,
            null,
            null,
            "",
            null,
            "");
    assertEquals(
        new Health(
            SensorState.ERROR,
            "reconnect.min.ms=0 is out of range (100..600000) (and 1 more bad setting)"),
        assess(f));
  }

  @Test
  void aSpoolThatCannotBeWrittenIsAnErrorWithItsReasonAndSince() {
    Facts f =
        new Facts(
            List.of(),
            null,
            new Fault("java.io.IOException: No space left on device", T),
            12,
            null,
            false,
            null,
            "tcp://b:1883",
            5,
            true,
            null,
            null,
            "",
            null,
            "");
    assertEquals(
        new Health(
            SensorState.ERROR,
            "cannot write the spool since 2026-11-27T10:00:00Z: java.io.IOException: No space left on device; 12 messages held in memory"),
        assess(f));
  }

  @Test
  void disconnectedSaysSinceWhenAndWhy() {
    Facts f =
        new Facts(
            List.of(),
            null,
            null,
            0,
            null,
            false,
            new Fault("Connection refused", T),
            "tcp://b:1883",
            40,
            true,
            null,
            null,
            "",
            null,
            "");
    assertEquals(
        new Health(
            SensorState.ERROR,
            "not connected to tcp://b:1883 since 2026-11-27T10:00:00Z: Connection refused; 40 messages spooled"),
        assess(f));
  }

  @Test
  void aStuckOrDeadSenderIsNotOk() {
    Facts dead =
        new Facts(
            List.of(),
            null,
            null,
            0,
            null,
            false,
            null,
            "tcp://b:1883",
            7,
            false,
            null,
            null,
            "",
            null,
            "");
    assertEquals(SensorState.ERROR, assess(dead).state());
    Facts stuck =
        new Facts(
            List.of(),
            null,
            null,
            0,
            null,
            false,
            null,
            "tcp://b:1883",
            7,
            true,
            Duration.ofSeconds(61),
            null,
            "",
            null,
            "");
    assertEquals(
        new Health(
            SensorState.DEGRADED,
            "connected, but nothing acknowledged for 61 s; 7 messages waiting"),
        assess(stuck));
    Facts busy =
        new Facts(
            List.of(),
            null,
            null,
            0,
            null,
            false,
            null,
            "tcp://b:1883",
            7,
            true,
            Duration.ofSeconds(59),
            null,
            "",
            null,
            "");
    assertEquals(Health.ok(), assess(busy));
  }

  @Test
  void droppedMessagesDegradeForAWhile() {
    Facts recent =
        new Facts(
            List.of(),
            null,
            null,
            0,
            null,
            false,
            null,
            "tcp://b:1883",
            0,
            true,
            null,
            null,
            "",
            Duration.ofSeconds(3),
            "set aside a spooled message that cannot be sent: topic contains the wildcard '#'");
    assertEquals(
        new Health(
            SensorState.DEGRADED,
            "messages dropped, the latest 3 s ago: set aside a spooled message that cannot be sent: topic contains the wildcard '#'"),
        assess(recent));
    Facts old =
        new Facts(
            List.of(),
            null,
            null,
            0,
            null,
            false,
            null,
            "tcp://b:1883",
            0,
            true,
            null,
            null,
            "",
            Duration.ofMinutes(6),
            "whatever");
    assertEquals(Health.ok(), assess(old));
  }
}
