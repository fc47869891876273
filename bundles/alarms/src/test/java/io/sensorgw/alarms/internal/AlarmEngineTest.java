package io.sensorgw.alarms.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Alarm;
import io.sensorgw.api.AlarmListener;
import io.sensorgw.api.Alarms;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorState;
import io.sensorgw.api.Value;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules on readings and ticks with a clock the test moves: no waiting, every step checked. */
class AlarmEngineTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  /** A clock the test sets. */
  private static final class TestClock extends Clock {
    Instant now = T0;

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    void advance(long ms) {
      now = now.plusMillis(ms);
    }
  }

  private final TestClock clock = new TestClock();
  private final Map<String, SensorState> states = new HashMap<>();
  private final List<Alarm> changes = new ArrayList<>();
  private final AlarmEngine engine = new AlarmEngine(clock, states::get, changes::add);
  private long sequence;

  private Reading reading(String sensor, long atMs, Map<String, Value> values) {
    return new Reading(
        sensor, ++sequence, T0.plusMillis(atMs), values, Quality.SIMULATED, Duration.ZERO, "");
  }

  private void distance(long atMs, double cm) {
    engine.onReading(reading("tfluna-1", atMs, Map.of("distance", Value.of(cm, "cm"))));
  }

  private static Map<String, Object> config(Object... keysAndValues) {
    Map<String, Object> config = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2)
      config.put((String) keysAndValues[i], keysAndValues[i + 1]);
    return config;
  }

  private static RuleDefinition definition(Map<String, Object> config) {
    try {
      return RuleDefinition.parse(config);
    } catch (RuleDefinition.Refused e) {
      throw new AssertionError(e.getMessage());
    }
  }

  private Alarms.Rule rule(String name) {
    return engine.rules().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void belowRaisesAfterItsDelayAndClearsOnlyPastTheHysteresis() {
    assertEquals(
        "",
        engine.putRule(
            "pid-1",
            config(
                "name",
                "close",
                "sensor",
                "tfluna-1",
                "value",
                "distance",
                "below",
                "30",
                "clear.above",
                "35",
                "for.ms",
                "500")));
    distance(0, 40);
    distance(100, 25); // condition begins
    distance(400, 20);
    assertTrue(changes.isEmpty(), "held 300 ms of 500: not yet");
    distance(600, 22); // held 500 ms since 100
    assertEquals(1, changes.size());
    Alarm raised = changes.get(0);
    assertTrue(raised.active());
    assertEquals("close", raised.rule());
    assertEquals("tfluna-1", raised.sensorId());
    assertEquals(T0.plusMillis(600), raised.since());
    assertEquals(22, raised.value());
    assertEquals("cm", raised.unit());
    assertEquals("distance below 30 for 500 ms, clears above 35", raised.condition());
    assertEquals(List.of(raised), engine.active());
    assertEquals(Alarms.RuleState.ACTIVE, rule("close").state());

    distance(700, 32); // above the threshold, inside the hysteresis band: still raised
    distance(800, 35); // at clear.above, not above it
    assertEquals(1, changes.size());
    distance(900, 35.5);
    assertEquals(2, changes.size());
    Alarm cleared = changes.get(1);
    assertFalse(cleared.active());
    assertEquals(T0.plusMillis(900), cleared.since());
    assertEquals(35.5, cleared.value());
    assertTrue(engine.active().isEmpty());
    assertEquals(Alarms.RuleState.OK, rule("close").state());
    assertEquals(1L, engine.metrics().get("raised"));
    assertEquals(1L, engine.metrics().get("cleared"));
  }

  @Test
  void oneReadingServesEveryRuleOfItsSensorAndNoOther() {
    engine.putRule(
        "p1", config("name", "close", "sensor", "tfluna-1", "value", "distance", "below", "30"));
    engine.putRule(
        "p2",
        config("name", "very-close", "sensor", "tfluna-1", "value", "distance", "below", "10"));
    engine.putRule(
        "p3", config("name", "weak", "sensor", "tfluna-1", "value", "amplitude", "below", "100"));
    engine.putRule("p4", config("name", "silent", "sensor", "tfluna-1", "stale.ms", "1000"));
    engine.putRule(
        "p5", config("name", "other", "sensor", "tfluna-2", "value", "distance", "below", "30"));
    clock.advance(1000);
    engine.tick();
    assertEquals(List.of("silent"), changes.stream().map(Alarm::rule).toList());
    engine.onReading(
        reading(
            "tfluna-1", 0, Map.of("distance", Value.of(5, "cm"), "amplitude", Value.of(50, ""))));
    assertEquals(
        List.of("close", "silent", "very-close", "weak"),
        engine.rules().stream()
            .filter(r -> r.state() == Alarms.RuleState.ACTIVE || r.name().equals("silent"))
            .map(Alarms.Rule::name)
            .toList());
    assertEquals(
        List.of("close", "very-close", "weak"), engine.active().stream().map(Alarm::rule).toList());
    assertFalse(changes.get(changes.size() - 1).rule().equals("other"));
    assertEquals(Alarms.RuleState.OK, rule("other").state());
    assertEquals(
        Alarms.RuleState.OK, rule("silent").state(), "the reading cleared the stale alarm");
  }

  @Test
  void anInterruptionRestartsTheDelay() {
    engine.putRule(
        "pid-1",
        config(
            "name",
            "close",
            "sensor",
            "tfluna-1",
            "value",
            "distance",
            "below",
            30,
            "for.ms",
            500L));
    distance(0, 20);
    distance(400, 31); // breaks the run
    distance(500, 20);
    distance(900, 20); // 400 ms since the new run began
    assertTrue(changes.isEmpty());
    distance(1000, 20);
    assertEquals(1, changes.size());
    assertEquals(T0.plusMillis(1000), changes.get(0).since());
  }

  @Test
  void aboveWithoutHysteresisClearsWhenNoLongerAbove() {
    engine.putRule(
        "pid-1", config("name", "far", "sensor", "tfluna-1", "value", "distance", "above", "200"));
    distance(0, 200);
    assertTrue(changes.isEmpty(), "200 is not above 200");
    distance(10, 201);
    assertEquals(1, changes.size());
    distance(20, 200);
    assertEquals(2, changes.size());
    assertFalse(changes.get(1).active());
  }

  @Test
  void otherSensorsValuesAndErrorReadingsChangeNothing() {
    engine.putRule(
        "pid-1", config("name", "close", "sensor", "tfluna-1", "value", "distance", "below", "30"));
    engine.onReading(reading("tfluna-2", 0, Map.of("distance", Value.of(1, "cm"))));
    engine.onReading(reading("tfluna-1", 0, Map.of("amplitude", Value.of(1, ""))));
    engine.onReading(
        new Reading(
            "tfluna-1",
            ++sequence,
            T0,
            Map.of("distance", Value.of(1, "cm")),
            Quality.ERROR,
            Duration.ZERO,
            "bad frame"));
    assertTrue(changes.isEmpty());
    distance(10, 1);
    assertEquals(1, changes.size());
  }

  @Test
  void cameraRuleOnLaserFound() {
    engine.putRule(
        "pid-1",
        config(
            "name",
            "laser-lost",
            "sensor",
            "camera-1",
            "value",
            "laser_found",
            "below",
            "1",
            "for.ms",
            "2000"));
    for (long t = 0; t <= 1900; t += 100) {
      engine.onReading(reading("camera-1", t, Map.of("laser_found", Value.of(0, "bool"))));
    }
    assertTrue(changes.isEmpty());
    engine.onReading(reading("camera-1", 2000, Map.of("laser_found", Value.of(0, "bool"))));
    assertEquals(1, changes.size());
    assertEquals("laser_found below 1 for 2000 ms", changes.get(0).condition());
    engine.onReading(reading("camera-1", 2100, Map.of("laser_found", Value.of(1, "bool"))));
    assertEquals(2, changes.size());
    assertFalse(changes.get(1).active());
  }

  @Test
  void stateRuleRaisesAfterItsDelayOnTheClockAndClears() {
    engine.putRule(
        "pid-1",
        config("name", "luna-error", "sensor", "tfluna-1", "state", "error", "for.ms", "10000"));
    states.put("tfluna-1", SensorState.OK);
    engine.tick();
    states.put("tfluna-1", SensorState.ERROR);
    engine.tick(); // condition begins
    clock.advance(9_999);
    engine.tick();
    assertTrue(changes.isEmpty());
    clock.advance(1);
    engine.tick();
    assertEquals(1, changes.size());
    assertTrue(changes.get(0).active());
    assertTrue(Double.isNaN(changes.get(0).value()));
    assertEquals("state error for 10000 ms", changes.get(0).condition());
    engine.tick();
    assertEquals(1, changes.size(), "raised once");
    states.put("tfluna-1", SensorState.OK);
    engine.tick();
    assertEquals(2, changes.size());
    assertFalse(changes.get(1).active());
  }

  @Test
  void degradedRuleHoldsForErrorTooAndAGoneSensorIsNotInTheState() {
    engine.putRule(
        "pid-1", config("name", "luna-degraded", "sensor", "tfluna-1", "state", "degraded"));
    states.put("tfluna-1", SensorState.ERROR);
    engine.tick();
    assertEquals(1, changes.size());
    states.remove("tfluna-1");
    engine.tick();
    assertEquals(2, changes.size());
    assertFalse(changes.get(1).active());
  }

  @Test
  void staleRuleRaisesWithoutReadingsAndClearsOnTheNext() {
    engine.putRule("pid-1", config("name", "luna-stale", "sensor", "tfluna-1", "stale.ms", "5000"));
    clock.advance(4_999);
    engine.tick();
    assertTrue(changes.isEmpty(), "watched 4999 ms");
    distance(0, 100); // a reading at 4999 ms on the clock
    clock.advance(4_999);
    engine.tick();
    assertTrue(changes.isEmpty());
    clock.advance(1);
    engine.tick();
    assertEquals(1, changes.size());
    assertTrue(changes.get(0).active());
    assertEquals("no reading for 5000 ms", changes.get(0).condition());
    distance(10, 100);
    assertEquals(2, changes.size());
    assertFalse(changes.get(1).active());
  }

  @Test
  void anEditAppliesAtOnceOnTheLastReading() {
    engine.putRule(
        "pid-1", config("name", "close", "sensor", "tfluna-1", "value", "distance", "below", "30"));
    distance(0, 40);
    assertTrue(changes.isEmpty());
    engine.putRule(
        "pid-1", config("name", "close", "sensor", "tfluna-1", "value", "distance", "below", "50"));
    assertEquals(1, changes.size(), "the last reading, 40, is below the new threshold");
    assertTrue(changes.get(0).active());
    assertEquals("distance below 50", rule("close").condition());

    engine.putRule(
        "pid-1", config("name", "close", "sensor", "tfluna-1", "value", "distance", "below", "20"));
    assertEquals(2, changes.size(), "the old rule's alarm is cleared with it");
    assertFalse(changes.get(1).active());
    assertTrue(engine.active().isEmpty());

    engine.removeRule("pid-1");
    assertTrue(engine.rules().isEmpty());
    distance(10, 1);
    assertEquals(2, changes.size(), "a removed rule watches nothing");
  }

  @Test
  void aRetiredRuleChangesNothingWhenAReadingOrTickStillReachesIt() {
    List<Alarm> told = new ArrayList<>();
    SensorRules lock = new SensorRules("tfluna-1");
    WatchedRule value =
        new WatchedRule(
            definition(
                config("name", "close", "sensor", "tfluna-1", "value", "distance", "below", "30")),
            lock,
            T0);
    WatchedRule stale =
        new WatchedRule(
            definition(config("name", "silent", "sensor", "tfluna-1", "stale.ms", "10")), lock, T0);
    synchronized (lock) {
      value.onValueLocked(10, "cm", 0, T0, (rule, alarm) -> told.add(alarm));
    }
    value.retire(T0.plusMillis(1), (rule, alarm) -> told.add(alarm));
    stale.retire(T0, (rule, alarm) -> told.add(alarm));
    assertEquals(2, told.size(), "raised, then cleared by the retirement");
    synchronized (lock) {
      value.onValueLocked(5, "cm", 2, T0.plusMillis(2), (rule, alarm) -> told.add(alarm));
    }
    stale.onTick(T0.plusSeconds(60), null, (rule, alarm) -> told.add(alarm));
    assertEquals(2, told.size(), "nothing after retirement");
    assertFalse(value.active());
  }

  @Test
  void removingARaisedRuleClearsItsAlarm() {
    engine.putRule(
        "pid-1", config("name", "close", "sensor", "tfluna-1", "value", "distance", "below", "30"));
    distance(0, 10);
    engine.removeRule("pid-1");
    assertEquals(2, changes.size());
    assertFalse(changes.get(1).active());
    assertTrue(engine.active().isEmpty());
  }

  @Test
  void aBadConfigurationIsARuleInErrorWithItsReasons() {
    String reason =
        engine.putRule(
            "pid-bad",
            config(
                "name",
                "bad name!",
                "sensor",
                "tfluna-1",
                "value",
                "distance",
                "below",
                "thirty",
                "for.ms",
                "-5"));
    assertTrue(reason.contains("name must be 1-64 characters"), reason);
    assertTrue(reason.contains("below must be a number, was 'thirty'"), reason);
    assertTrue(reason.contains("for.ms must be 0-86400000 ms, was '-5'"), reason);
    assertFalse(reason.contains("needs below"), "a bad number is said once: " + reason);
    Alarms.Rule refused = rule("pid-bad");
    assertEquals(Alarms.RuleState.ERROR, refused.state());
    assertEquals(reason, refused.reason());
    assertEquals("tfluna-1", refused.sensorId());

    assertTrue(engine.putRule("p2", config("name", "a", "sensor", "s")).contains("set one of"));
    assertTrue(
        engine
            .putRule("p3", config("name", "b", "sensor", "s", "value", "v"))
            .contains("needs below and/or above"));
    assertTrue(
        engine
            .putRule(
                "p4",
                config(
                    "name", "c", "sensor", "s", "value", "v", "below", "30", "clear.above", "20"))
            .contains("clear.above must be at least below (30), was 20"));
    assertTrue(
        engine
            .putRule("p5", config("name", "d", "sensor", "s", "state", "broken"))
            .contains("state must be error or degraded"));
    assertTrue(
        engine
            .putRule("p6", config("name", "e", "sensor", "s", "state", "error", "stale.ms", "5"))
            .contains("only one of"));
    assertTrue(
        engine
            .putRule("p7", config("name", "f", "value", "v", "below", 1))
            .contains("sensor is required"));
    assertTrue(
        engine
            .putRule(
                "p8",
                config("name", "g", "sensor", "s", "value", "v", "below", "40", "above", "30"))
            .contains("must be a range"));
    assertEquals(
        8L, engine.rules().stream().filter(r -> r.state() == Alarms.RuleState.ERROR).count());
    assertEquals(8, engine.metrics().get("rulesInError"));
    assertTrue(
        engine.refusedSummary().startsWith("rule pid-bad refused: name must be"),
        engine.refusedSummary());
    assertTrue(
        engine.refusedSummary().endsWith("(and 7 more refused rules)"), engine.refusedSummary());

    // Fixed in place: the same PID, now good, watches.
    assertEquals(
        "",
        engine.putRule(
            "pid-bad",
            config("name", "close", "sensor", "tfluna-1", "value", "distance", "below", "30")));
    distance(0, 10);
    assertEquals(1, changes.size());
    for (String pid : List.of("p2", "p3", "p4", "p5", "p6", "p7", "p8")) engine.removeRule(pid);
    assertEquals("", engine.refusedSummary(), "every rule accepted");
  }

  @Test
  void aDuplicateNameIsRefusedUntilTheFirstGoes() {
    engine.putRule(
        "p1", config("name", "close", "sensor", "tfluna-1", "value", "distance", "below", "30"));
    String reason =
        engine.putRule(
            "p2",
            config("name", "close", "sensor", "tfluna-2", "value", "distance", "below", "30"));
    assertTrue(reason.contains("name already used by configuration p1"), reason);
    engine.removeRule("p1");
    assertEquals(
        List.of(new Alarms.Rule("close", "tfluna-2", "distance below 30", Alarms.RuleState.OK, "")),
        engine.rules());
  }

  @Test
  void aNewListenerGetsTheActiveAlarmsFirstThenTheChanges() {
    List<Alarm> told = new ArrayList<>();
    AlarmDispatcher dispatcher = new AlarmDispatcher(Runnable::run, 16);
    AlarmEngine withListeners = new AlarmEngine(clock, states::get, dispatcher::publish);
    withListeners.putRule(
        "p1", config("name", "close", "sensor", "tfluna-1", "value", "distance", "below", "30"));
    withListeners.onReading(reading("tfluna-1", 0, Map.of("distance", Value.of(10, "cm"))));
    AlarmListener listener = told::add;
    AlarmListener failing =
        alarm -> {
          throw new IllegalStateException("listener bug");
        };
    withListeners.withActive(
        current -> {
          dispatcher.add(listener, current);
          dispatcher.add(failing, current);
          return null;
        });
    assertEquals(1, told.size());
    assertTrue(told.get(0).active());
    withListeners.onReading(reading("tfluna-1", 10, Map.of("distance", Value.of(40, "cm"))));
    assertEquals(2, told.size());
    assertFalse(told.get(1).active());
    assertEquals(
        2L,
        dispatcher.listenerErrors.sum(),
        "the failing listener's two calls counted, the other served");
    dispatcher.remove(listener);
    withListeners.onReading(reading("tfluna-1", 20, Map.of("distance", Value.of(1, "cm"))));
    assertEquals(2, told.size(), "removed: told nothing more");
  }

  @Test
  void aListenerThatIsBehindLosesItsOldestAlarms() {
    List<Runnable> pending = new ArrayList<>();
    AlarmDispatcher dispatcher = new AlarmDispatcher(pending::add, 2);
    List<Alarm> told = new ArrayList<>();
    dispatcher.add(told::add, List.of());
    for (int i = 0; i < 5; i++) {
      dispatcher.publish(new Alarm("r" + i, "s", "c", true, T0, 1, ""));
    }
    assertEquals(1, pending.size(), "one drain task at a time");
    pending.get(0).run();
    assertEquals(List.of("r3", "r4"), told.stream().map(Alarm::rule).toList());
    assertEquals(3L, dispatcher.dropped.sum());
  }
}
