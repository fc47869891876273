package io.sensorgw.alarms.internal;

import io.sensorgw.api.Alarm;
import io.sensorgw.api.Alarms;
import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorState;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules and the active alarms, without OSGi: rules come and go by configuration PID, readings
 * and timer ticks evaluate them, and each raise or clear goes to {@code changes} (the listeners'
 * queues) in order.
 *
 * <p>The reading path is one map lookup by sensor id and a few comparisons per rule of that sensor:
 * the index is an immutable map swapped when a rule changes, so readings take no shared lock. A
 * refused configuration is kept as a rule in error with its reason (logged once), never thrown.
 */
final class AlarmEngine implements WatchedRule.Changes {
  private static final Logger LOG = LoggerFactory.getLogger(AlarmEngine.class);

  /** How a refusal for a name another configuration holds begins: retried when that one goes. */
  private static final String DUPLICATE = "name already used";

  /** One rule configuration: its properties, and the rule they make or why they make none. */
  private record Configured(
      String pid,
      Map<String, ?> properties,
      WatchedRule rule,
      String displayName,
      String sensorId,
      String refused) {}

  private final Clock clock;
  private final Function<String, SensorState> sensorStates;
  private final Consumer<Alarm> changes;

  private final Object configLock = new Object();
  private final Map<String, Configured> configured =
      new LinkedHashMap<>(); // by PID, under configLock

  /** Each watched sensor's rules and their lock, kept while it has a rule; under configLock. */
  private final Map<String, SensorRules> sensors = new HashMap<>();

  /** The same, for the reading path: replaced, never changed. */
  private volatile Map<String, SensorRules> bySensor = Map.of();

  /** State and stale rules, for the timer; replaced, never changed. */
  private volatile List<WatchedRule> timed = List.of();

  private final Object alarmsLock = new Object();
  private final Map<String, Alarm> active = new TreeMap<>(); // by rule name, under alarmsLock
  private final LongAdder readings = new LongAdder();
  private final LongAdder raised = new LongAdder();
  private final LongAdder cleared = new LongAdder();

  /**
   * @param sensorStates the state of a registered sensor by id, {@code null} when none is
   * @param changes told each raise and clear, under the engine's lock: must return at once
   */
  AlarmEngine(Clock clock, Function<String, SensorState> sensorStates, Consumer<Alarm> changes) {
    this.clock = clock;
    this.sensorStates = sensorStates;
    this.changes = changes;
  }

  /**
   * A rule configuration added or edited: its old rule (if any) is retired, clearing its alarm, and
   * the new one watches from now, evaluated at once on its sensor's last reading. Returns why the
   * configuration is refused, or empty.
   */
  String putRule(String pid, Map<String, ?> properties) {
    synchronized (configLock) {
      Configured old = configured.remove(pid);
      if (old != null && old.rule() != null) old.rule().retire(clock.instant(), this);
      Configured made = make(pid, properties);
      configured.put(pid, made);
      if (made.refused().isEmpty()) {
        made.rule().lock.evaluateLast(made.rule(), clock, this);
      } else {
        LOG.error("Alarm rule {}: refused: {}", made.displayName(), made.refused());
      }
      retryRefusedDuplicates();
      reindex();
      return made.refused();
    }
  }

  /** A rule configuration deleted: its alarm, if raised, is cleared. */
  void removeRule(String pid) {
    synchronized (configLock) {
      Configured old = configured.remove(pid);
      if (old == null) return;
      if (old.rule() != null) old.rule().retire(clock.instant(), this);
      retryRefusedDuplicates();
      reindex();
    }
  }

  /** A configuration refused only because another used its name may be accepted now. */
  private void retryRefusedDuplicates() {
    for (Configured entry : List.copyOf(configured.values())) {
      if (entry.rule() == null && entry.refused().startsWith(DUPLICATE)) {
        Configured again = make(entry.pid(), entry.properties());
        if (again.rule() != null) {
          configured.put(entry.pid(), again);
          LOG.info("Alarm rule {}: accepted now that its name is free", again.displayName());
        }
      }
    }
  }

  private Configured make(String pid, Map<String, ?> properties) {
    Object givenName = properties.get("name");
    String display =
        givenName != null && RuleDefinition.NAME.matcher(givenName.toString().trim()).matches()
            ? givenName.toString().trim()
            : pid;
    Object sensor = properties.get("sensor");
    String sensorId = sensor == null ? "" : sensor.toString().trim();
    try {
      RuleDefinition definition = RuleDefinition.parse(properties);
      for (Configured other : configured.values()) {
        if (!other.pid().equals(pid)
            && other.rule() != null
            && other.rule().definition.name().equals(definition.name())) {
          return new Configured(
              pid,
              properties,
              null,
              pid,
              sensorId,
              DUPLICATE + " by configuration " + other.pid() + " (rule names are unique)");
        }
      }
      SensorRules lock = sensors.computeIfAbsent(definition.sensorId(), SensorRules::new);
      return new Configured(
          pid,
          properties,
          new WatchedRule(definition, lock, clock.instant()),
          definition.name(),
          sensorId,
          "");
    } catch (RuleDefinition.Refused e) {
      return new Configured(pid, properties, null, display, sensorId, e.getMessage());
    }
  }

  private void reindex() {
    Map<String, List<WatchedRule>> bySensorId = new HashMap<>();
    List<WatchedRule> ticked = new ArrayList<>();
    for (Configured entry : configured.values()) {
      WatchedRule rule = entry.rule();
      if (rule == null) continue;
      bySensorId.computeIfAbsent(rule.definition.sensorId(), id -> new ArrayList<>()).add(rule);
      if (rule.definition.kind() != RuleDefinition.Kind.VALUE) ticked.add(rule);
    }
    sensors.keySet().retainAll(bySensorId.keySet());
    bySensorId.forEach((sensor, rules) -> sensors.get(sensor).use(rules));
    bySensor = Map.copyOf(sensors);
    timed = List.copyOf(ticked);
  }

  /** From the reading path: the rules of this reading's sensor, and nothing else. */
  void onReading(Reading reading) {
    readings.increment();
    SensorRules rules = bySensor.get(reading.sensorId());
    if (rules != null) rules.onReading(reading, clock, this);
  }

  /** Whether any applied rule (state or stale) needs {@link #tick()}. */
  boolean hasTimedRules() {
    return !timed.isEmpty();
  }

  /** From the timer: state rules look at their sensor's state, stale rules at the time. */
  void tick() {
    Instant now = clock.instant();
    for (WatchedRule rule : timed)
      rule.onTick(now, sensorStates.apply(rule.definition.sensorId()), this);
  }

  @Override
  public void changed(WatchedRule rule, Alarm alarm) {
    synchronized (alarmsLock) {
      if (alarm.active()) {
        active.put(alarm.rule(), alarm);
        raised.increment();
        LOG.info("Alarm {} raised: {} {}", alarm.rule(), alarm.sensorId(), alarm.condition());
      } else {
        active.remove(alarm.rule());
        cleared.increment();
        LOG.info("Alarm {} cleared", alarm.rule());
      }
      changes.accept(alarm);
    }
  }

  /**
   * Runs {@code action} with the active alarms while no change can happen: a new listener takes
   * them and joins the changes in the same step, so it misses none and sees none twice.
   */
  <T> T withActive(Function<List<Alarm>, T> action) {
    synchronized (alarmsLock) {
      return action.apply(List.copyOf(active.values()));
    }
  }

  List<Alarm> active() {
    synchronized (alarmsLock) {
      return List.copyOf(active.values());
    }
  }

  List<Alarms.Rule> rules() {
    List<Alarms.Rule> rules = new ArrayList<>();
    synchronized (configLock) {
      for (Configured entry : configured.values()) {
        if (entry.rule() == null) {
          rules.add(
              new Alarms.Rule(
                  entry.displayName(),
                  entry.sensorId(),
                  "",
                  Alarms.RuleState.ERROR,
                  entry.refused()));
        } else {
          WatchedRule rule = entry.rule();
          rules.add(
              new Alarms.Rule(
                  rule.definition.name(),
                  rule.definition.sensorId(),
                  rule.condition(),
                  rule.active() ? Alarms.RuleState.ACTIVE : Alarms.RuleState.OK,
                  ""));
        }
      }
    }
    rules.sort(Comparator.comparing(Alarms.Rule::name));
    return rules;
  }

  /**
   * Why the alarms are not all watching: the refused rules, the first with its reason; empty when
   * every configured rule is accepted.
   */
  String refusedSummary() {
    synchronized (configLock) {
      List<Configured> refused =
          configured.values().stream().filter(c -> c.rule() == null).toList();
      if (refused.isEmpty()) return "";
      Configured first = refused.get(0);
      String more =
          refused.size() == 1 ? "" : " (and " + (refused.size() - 1) + " more refused rules)";
      return "rule " + first.displayName() + " refused: " + first.refused() + more;
    }
  }

  /** The engine's metrics, for the {@code alarms} metrics source. */
  Map<String, Number> metrics() {
    Map<String, Number> metrics = new LinkedHashMap<>();
    int rules = 0;
    int refused = 0;
    synchronized (configLock) {
      for (Configured entry : configured.values()) {
        if (entry.rule() == null) refused++;
        else rules++;
      }
    }
    metrics.put("rules", rules);
    metrics.put("rulesInError", refused);
    synchronized (alarmsLock) {
      metrics.put("active", active.size());
    }
    metrics.put("raised", raised.sum());
    metrics.put("cleared", cleared.sum());
    metrics.put("readings", readings.sum());
    return metrics;
  }
}
