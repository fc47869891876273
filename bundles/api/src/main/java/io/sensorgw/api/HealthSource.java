package io.sensorgw.api;

import java.util.Objects;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: a part of the gateway that is not a sensor (the store, telemetry) registers one of
 * these so that {@code /health} reports its state, without the HTTP bundle knowing it. Register it
 * with the service property {@link #NAME}, e.g. {@code store}.
 *
 * <p>The rule every part follows: activation never blocks on, or fails for, a device, a database or
 * a broker. A fault is a state with a one-line reason, retried where a retry can help, and {@code
 * /health} says {@code up} only when every part is {@link SensorState#OK} (or still {@link
 * SensorState#STARTING}).
 */
@ConsumerType
public interface HealthSource {
  /** Service property: the part's name as {@code /health} shows it. */
  String NAME = "health.name";

  /** The part's current health; answers at once, never waits on the thing it reports on. */
  Health health();

  /**
   * @param state the part's state (the same states a sensor has)
   * @param reason one line saying why, empty when {@link SensorState#OK}
   */
  record Health(SensorState state, String reason) {
    public Health {
      Objects.requireNonNull(state, "state");
      reason = reason == null ? "" : reason;
    }

    public static Health ok() {
      return new Health(SensorState.OK, "");
    }
  }
}
