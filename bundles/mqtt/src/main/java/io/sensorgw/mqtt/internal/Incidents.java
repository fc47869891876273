package io.sensorgw.mqtt.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The component's log-once memory and its last loss, shared by its parts: one log line per cause in
 * an activation (counters keep counting past it), and the last message dropped or set aside, for
 * the health state.
 */
final class Incidents {
  private static final Logger LOG = LoggerFactory.getLogger(MqttTelemetry.class);

  /** Distinct causes logged per activation; the counters keep counting past it. */
  private static final int LOGGED_CAUSES_MAX = 100;

  private final Set<String> loggedCauses = ConcurrentHashMap.newKeySet();
  private volatile long dropNanos;
  private volatile String dropCause = "";

  /** True the first time a cause is seen in this activation: one log line per cause. */
  boolean firstOf(String cause) {
    return loggedCauses.size() < LOGGED_CAUSES_MAX && loggedCauses.add(cause);
  }

  /**
   * A task for an executor that survives its own failures (an executor cancels a periodic one that
   * throws): logged once per cause.
   */
  Runnable guarded(String what, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable e) {
        if (firstOf("task " + what + " " + e))
          LOG.error("MQTT: {} failed; it runs again in a second", what, e);
      }
    };
  }

  /** A message was lost (dropped, refused or set aside) for this cause. */
  void dropped(String cause) {
    dropCause = cause;
    dropNanos = System.nanoTime();
  }

  /** System.nanoTime() of the last loss; 0 if none. */
  long dropNanos() {
    return dropNanos;
  }

  String dropCause() {
    return dropCause;
  }
}
