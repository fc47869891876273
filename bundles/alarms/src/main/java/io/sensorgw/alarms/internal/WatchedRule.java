package io.sensorgw.alarms.internal;

import io.sensorgw.api.Alarm;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorState;
import io.sensorgw.api.Value;
import java.time.Instant;

/**
 * A rule and where it stands: raised or not, and since when its condition has held (the delay).
 * Calls come from the reading path (value and stale rules) and from the timer (state and stale
 * rules); each is short and made under this object's lock, which is never contended on the reading
 * path but by an edit or a tick. A state change is handed to {@link Changes} under the same lock,
 * so that one rule's changes are told in order.
 */
final class WatchedRule {
  /** Where a rule's raise or clear goes: the engine, which records it and tells the listeners. */
  interface Changes {
    void changed(WatchedRule rule, Alarm alarm);
  }

  final RuleDefinition definition;
  private final String condition;
  private final Instant watchedSince;
  private boolean active;
  private Instant pendingSince; // when the condition began to hold, not yet for long enough; or null
  private Instant lastArrival; // stale rules: when the last reading was seen (engine's clock)

  WatchedRule(RuleDefinition definition, Instant watchedSince) {
    this.definition = definition;
    this.condition = definition.condition();
    this.watchedSince = watchedSince;
  }

  String condition() {
    return condition;
  }

  synchronized boolean active() {
    return active;
  }

  /**
   * A reading of the rule's sensor. Value rules: the delay is measured on the readings' {@code
   * acquiredAt} (deterministic, and the same on a replay); a reading without the value, or marked
   * {@link Quality#ERROR}, changes nothing. Stale rules: any reading clears.
   */
  synchronized void onReading(Reading reading, Instant arrival, Changes changes) {
    switch (definition.kind()) {
      case VALUE -> {
        if (reading.quality() == Quality.ERROR) return;
        Value value = reading.values().get(definition.valueName());
        if (value == null || Double.isNaN(value.value())) return;
        evaluate(value.value(), value.unit(), reading.acquiredAt(), changes);
      }
      case STALE -> {
        lastArrival = arrival;
        if (active) change(false, arrival, Double.NaN, "", changes);
      }
      case STATE -> { } // the timer looks at the sensor's state
    }
  }

  private void evaluate(double value, String unit, Instant at, Changes changes) {
    if (!active) {
      if (!definition.raises(value)) {
        pendingSince = null;
        return;
      }
      if (pendingSince == null) pendingSince = at;
      if (at.toEpochMilli() - pendingSince.toEpochMilli() >= definition.forMs()) {
        pendingSince = null;
        change(true, at, value, unit, changes);
      }
    } else if (definition.clears(value)) {
      change(false, at, value, unit, changes);
    }
  }

  /**
   * The timer's look, at {@code now}: a state rule compares the sensor's state ({@code null}: no
   * such sensor registered, which is not the state); a stale rule the time since the last reading
   * (or since the rule began watching, when none came).
   */
  synchronized void onTick(Instant now, SensorState sensorState, Changes changes) {
    switch (definition.kind()) {
      case STATE -> {
        boolean holds = definition.stateHolds(sensorState);
        if (!holds) {
          pendingSince = null;
          if (active) change(false, now, Double.NaN, "", changes);
          return;
        }
        if (active) return;
        if (pendingSince == null) pendingSince = now;
        if (now.toEpochMilli() - pendingSince.toEpochMilli() >= definition.forMs()) {
          pendingSince = null;
          change(true, now, Double.NaN, "", changes);
        }
      }
      case STALE -> {
        Instant last = lastArrival == null ? watchedSince : lastArrival;
        if (!active && now.toEpochMilli() - last.toEpochMilli() >= definition.staleMs()) {
          change(true, now, Double.NaN, "", changes);
        }
      }
      case VALUE -> { } // readings drive value rules
    }
  }

  /** The rule goes away (removed or edited): its raised alarm is cleared. */
  synchronized void retire(Instant now, Changes changes) {
    if (active) change(false, now, Double.NaN, "", changes);
  }

  private void change(boolean raised, Instant at, double value, String unit, Changes changes) {
    active = raised;
    changes.changed(this, new Alarm(definition.name(), definition.sensorId(), condition, raised, at, value, unit));
  }
}
