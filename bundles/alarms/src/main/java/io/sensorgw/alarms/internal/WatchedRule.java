package io.sensorgw.alarms.internal;

import io.sensorgw.api.Alarm;
import io.sensorgw.api.SensorState;
import java.time.Instant;

/**
 * A rule and where it stands: raised or not, and since when its condition has held (the delay). Its
 * state is guarded by its sensor's {@link SensorRules} (the lock), which the reading path takes
 * once per reading for all the sensor's rules, and the timer and edits take per call. A state
 * change is handed to {@link Changes} under that lock, so one rule's changes are told in order.
 */
final class WatchedRule {
  /** Where a rule's raise or clear goes: the engine, which records it and tells the listeners. */
  interface Changes {
    void changed(WatchedRule rule, Alarm alarm);
  }

  private static final long NONE = Long.MIN_VALUE;

  final RuleDefinition definition;
  final SensorRules lock;
  private final String condition;
  private final long watchedSinceMs;
  private boolean active;
  private boolean retired; // edited or removed: a reading still in flight to it changes nothing
  private long pendingSinceMs = NONE; // when the condition began to hold, not yet for long enough
  private long lastArrivalMs = NONE; // stale rules: when the last reading was seen (engine's clock)

  WatchedRule(RuleDefinition definition, SensorRules lock, Instant watchedSince) {
    this.definition = definition;
    this.lock = lock;
    this.condition = definition.condition();
    this.watchedSinceMs = watchedSince.toEpochMilli();
  }

  String condition() {
    return condition;
  }

  boolean active() {
    synchronized (lock) {
      return active;
    }
  }

  /**
   * Value rules, with the lock held: the reading's value, acquired at {@code atMs}. The delay is
   * measured on the readings' {@code acquiredAt} (deterministic, and the same on a replay).
   */
  void onValueLocked(double value, String unit, long atMs, Instant at, Changes changes) {
    if (retired) return;
    if (!active) {
      if (!definition.raises(value)) {
        pendingSinceMs = NONE;
        return;
      }
      if (pendingSinceMs == NONE) pendingSinceMs = atMs;
      if (atMs - pendingSinceMs >= definition.forMs()) {
        pendingSinceMs = NONE;
        change(true, at, value, unit, changes);
      }
    } else if (definition.clears(value)) {
      change(false, at, value, unit, changes);
    }
  }

  /** Stale rules, with the lock held: a reading arrived, which clears. */
  void onArrivalLocked(Instant arrival, Changes changes) {
    if (retired) return;
    lastArrivalMs = arrival.toEpochMilli();
    if (active) change(false, arrival, Double.NaN, "", changes);
  }

  /**
   * The timer's look, at {@code now}: a state rule compares the sensor's state ({@code null}: no
   * such sensor registered, which is not the state); a stale rule the time since the last reading
   * (or since the rule began watching, when none came).
   */
  void onTick(Instant now, SensorState sensorState, Changes changes) {
    long nowMs = now.toEpochMilli();
    synchronized (lock) {
      if (retired) return;
      switch (definition.kind()) {
        case STATE -> {
          if (!definition.stateHolds(sensorState)) {
            pendingSinceMs = NONE;
            if (active) change(false, now, Double.NaN, "", changes);
            return;
          }
          if (active) return;
          if (pendingSinceMs == NONE) pendingSinceMs = nowMs;
          if (nowMs - pendingSinceMs >= definition.forMs()) {
            pendingSinceMs = NONE;
            change(true, now, Double.NaN, "", changes);
          }
        }
        case STALE -> {
          long last = lastArrivalMs == NONE ? watchedSinceMs : lastArrivalMs;
          if (!active && nowMs - last >= definition.staleMs())
            change(true, now, Double.NaN, "", changes);
        }
        case VALUE -> {} // readings drive value rules
      }
    }
  }

  /**
   * The rule goes away (removed or edited): its raised alarm is cleared, and it changes no more,
   * though a reading or tick may still reach it until the engine's index is replaced.
   */
  void retire(Instant now, Changes changes) {
    synchronized (lock) {
      if (retired) return;
      retired = true;
      if (active) change(false, now, Double.NaN, "", changes);
    }
  }

  private void change(boolean raised, Instant at, double value, String unit, Changes changes) {
    active = raised;
    changes.changed(
        this,
        new Alarm(definition.name(), definition.sensorId(), condition, raised, at, value, unit));
  }
}
