package io.sensorgw.alarms.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The component's clock: it ticks only while a state or stale rule needs it. */
class AlarmsComponentTest {
  private final AlarmsComponent alarms = new AlarmsComponent();

  @AfterEach
  void close() {
    alarms.deactivate();
  }

  @Test
  void theTimerTicksOnlyWhileAStateOrStaleRuleIsApplied() {
    alarms.putRule(
        "close", Map.of("name", "close", "sensor", "tfluna-1", "value", "distance", "below", "30"));
    assertFalse(alarms.ticking(), "a value rule is evaluated on readings, not on the clock");

    alarms.putRule("silent", Map.of("name", "silent", "sensor", "tfluna-1", "stale.ms", "1000"));
    assertTrue(alarms.ticking(), "a stale rule needs the clock");
    alarms.putRule("silent", Map.of("name", "silent", "sensor", "tfluna-1", "state", "error"));
    assertTrue(alarms.ticking(), "so does a state rule");

    alarms.putRule(
        "silent",
        Map.of("name", "silent", "sensor", "tfluna-1", "value", "distance", "above", "900"));
    assertFalse(alarms.ticking(), "edited into a value rule: the clock stops");
    alarms.putRule("broken", Map.of("name", "broken", "sensor", "tfluna-1", "stale.ms", "-5"));
    assertFalse(alarms.ticking(), "a refused rule is not applied, so it needs no clock");

    alarms.putRule("error", Map.of("name", "error", "sensor", "tfluna-1", "state", "error"));
    assertTrue(alarms.ticking());
    alarms.removeRule("error");
    assertFalse(alarms.ticking(), "the last rule that needed the clock deleted");
  }
}
