package io.sensorgw.alarms.internal;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of one sensor that readings drive, grouped by value name, and the lock their state is
 * under. A reading costs one lock (uncontended but by an edit or a tick), one lookup per value name
 * watched, and a few comparisons per rule. The grouping is replaced as a whole when a rule changes.
 */
final class SensorRules {
  private record Grouping(
      String[] valueNames, WatchedRule[][] valueRules, WatchedRule[] staleRules) {}

  private static final Grouping EMPTY =
      new Grouping(new String[0], new WatchedRule[0][], new WatchedRule[0]);

  final String sensorId;
  private volatile Grouping grouping = EMPTY;
  private Reading last; // under this

  SensorRules(String sensorId) {
    this.sensorId = sensorId;
  }

  /** The rules readings drive from now on (value and stale rules of this sensor). */
  void use(List<WatchedRule> rules) {
    Map<String, List<WatchedRule>> byValue = new LinkedHashMap<>();
    List<WatchedRule> stale = new ArrayList<>();
    for (WatchedRule rule : rules) {
      switch (rule.definition.kind()) {
        case VALUE ->
            byValue
                .computeIfAbsent(rule.definition.valueName(), name -> new ArrayList<>())
                .add(rule);
        case STALE -> stale.add(rule);
        case STATE -> {} // the timer's
      }
    }
    grouping =
        new Grouping(
            byValue.keySet().toArray(new String[0]),
            byValue.values().stream()
                .map(list -> list.toArray(new WatchedRule[0]))
                .toArray(WatchedRule[][]::new),
            stale.toArray(new WatchedRule[0]));
  }

  void onReading(Reading reading, Clock clock, WatchedRule.Changes changes) {
    Grouping current = grouping;
    synchronized (this) {
      last = reading;
      evaluate(
          reading,
          current.valueNames(),
          current.valueRules(),
          current.staleRules(),
          clock,
          changes);
    }
  }

  /** A new or edited rule, evaluated at once on this sensor's last reading, if there was one. */
  void evaluateLast(WatchedRule rule, Clock clock, WatchedRule.Changes changes) {
    synchronized (this) {
      if (last == null) return;
      switch (rule.definition.kind()) {
        case VALUE ->
            evaluate(
                last,
                new String[] {rule.definition.valueName()},
                new WatchedRule[][] {{rule}},
                new WatchedRule[0],
                clock,
                changes);
        case STALE, STATE -> {} // a stale rule watches from now; the timer looks at a state rule
      }
    }
  }

  private static void evaluate(
      Reading reading,
      String[] valueNames,
      WatchedRule[][] valueRules,
      WatchedRule[] staleRules,
      Clock clock,
      WatchedRule.Changes changes) {
    // A reading marked error, or without the value, changes no value rule (it is still a reading).
    if (reading.quality() != Quality.ERROR) {
      Map<String, Value> values = reading.values();
      Instant at = reading.acquiredAt();
      long atMs = at.toEpochMilli();
      for (int i = 0; i < valueNames.length; i++) {
        Value value = values.get(valueNames[i]);
        if (value == null || Double.isNaN(value.value())) continue;
        for (WatchedRule rule : valueRules[i])
          rule.onValueLocked(value.value(), value.unit(), atMs, at, changes);
      }
    }
    if (staleRules.length > 0) {
      Instant arrival = clock.instant();
      for (WatchedRule rule : staleRules) rule.onArrivalLocked(arrival, changes);
    }
  }
}
