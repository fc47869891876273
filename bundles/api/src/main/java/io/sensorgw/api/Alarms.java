package io.sensorgw.api;

import java.util.List;
import java.util.Objects;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The alarms bundle's state, for consumers that show it (the HTTP API, metrics): the active alarms
 * and every configured rule with its state. Answers at once from memory; never waits on a device.
 */
@ProviderType
public interface Alarms {
  /** The alarms raised now, ordered by rule name. */
  List<Alarm> active();

  /** Every configured rule, ordered by name, including those whose configuration is refused. */
  List<Rule> rules();

  /** What a rule's state can be. */
  enum RuleState {
    /** Configured and watching; its condition does not hold (or not yet long enough). */
    OK,
    /** Its alarm is raised. */
    ACTIVE,
    /** Its configuration is refused ({@link Rule#reason()} says why); it watches nothing. */
    ERROR;
  }

  /**
   * One configured rule.
   *
   * @param name the rule's name, or its configuration's PID when the name is missing or invalid
   * @param sensorId the sensor it watches, empty when not configured
   * @param condition the rule in words, e.g. {@code distance below 30 cm for 500 ms}; empty in
   *     error
   * @param state its state
   * @param reason why it is in {@link RuleState#ERROR}, empty otherwise
   */
  record Rule(String name, String sensorId, String condition, RuleState state, String reason) {
    public Rule {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(state, "state");
      sensorId = sensorId == null ? "" : sensorId;
      condition = condition == null ? "" : condition;
      reason = reason == null ? "" : reason;
    }
  }
}
