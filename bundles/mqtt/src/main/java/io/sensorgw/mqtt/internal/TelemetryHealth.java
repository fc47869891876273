package io.sensorgw.mqtt.internal;

import io.sensorgw.api.HealthSource.Health;
import io.sensorgw.api.SensorState;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The telemetry's state from what it knows, as {@code /health} shows it: OK only when connected and
 * sending. The first fault in this order gives the one-line reason, since it is the one to fix
 * first: settings, the spool, the connection, the sender, then dropped messages.
 */
final class TelemetryHealth {
  /** Connected with messages waiting and nothing acknowledged for this long: stuck. */
  static final Duration STUCK_AFTER = Duration.ofSeconds(60);

  /** A dropped message keeps the state degraded this long (the counters keep it for good). */
  static final Duration DROP_MEMORY = Duration.ofMinutes(5);

  /** A sender failure keeps the state degraded this long. */
  static final Duration FAILURE_MEMORY = Duration.ofMinutes(1);

  private TelemetryHealth() {}

  /** A fault with its reason and when it began. */
  record Fault(String reason, Instant since) {}

  /** What the telemetry knows at one moment; durations are ages, null when there is none. */
  record Facts(
      List<String> settingsProblems,
      Fault spoolUnavailable, // the spool could not be opened
      Fault spoolUnwritable, // appends fail (a full disk)
      long heldInMemory, // messages waiting for the spool to take them
      Fault spoolUnsynced, // forcing to disk or writing the committed position fails
      boolean connecting, // no connection yet, and no attempt has failed yet
      Fault disconnected, // null while connected
      String brokers,
      long pending,
      boolean senderRunning,
      Duration sinceProgress, // since the last acknowledgement while messages wait; null when idle
      Duration sinceSenderFailure,
      String senderFailure,
      Duration sinceDrop,
      String dropCause) {}

  static Health assess(Facts f) {
    if (!f.settingsProblems().isEmpty()) {
      int more = f.settingsProblems().size() - 1;
      return error(
          f.settingsProblems().get(0)
              + (more > 0
                  ? " (and " + more + " more bad setting" + (more > 1 ? "s" : "") + ")"
                  : ""));
    }
    if (f.spoolUnavailable() != null) return error(since(f.spoolUnavailable()) + "; retrying");
    if (f.spoolUnwritable() != null) {
      return error(
          "cannot write the spool "
              + since(f.spoolUnwritable())
              + "; "
              + f.heldInMemory()
              + " messages held in memory");
    }
    if (f.disconnected() != null) {
      return error(
          "not connected to "
              + f.brokers()
              + " "
              + since(f.disconnected())
              + "; "
              + f.pending()
              + " messages spooled");
    }
    if (f.connecting()) return new Health(SensorState.STARTING, "connecting to " + f.brokers());
    if (!f.senderRunning())
      return error(
          "the sender is not running (it is being restarted); "
              + f.pending()
              + " messages spooled");
    if (f.sinceProgress() != null && f.sinceProgress().compareTo(STUCK_AFTER) > 0) {
      return degraded(
          "connected, but nothing acknowledged for "
              + f.sinceProgress().toSeconds()
              + " s; "
              + f.pending()
              + " messages waiting");
    }
    if (f.spoolUnsynced() != null)
      return degraded("cannot sync the spool to disk " + since(f.spoolUnsynced()));
    if (f.sinceSenderFailure() != null && f.sinceSenderFailure().compareTo(FAILURE_MEMORY) < 0) {
      return degraded(
          "the sender failed "
              + f.sinceSenderFailure().toSeconds()
              + " s ago ("
              + f.senderFailure()
              + "); resending from the last acknowledged message");
    }
    if (f.sinceDrop() != null && f.sinceDrop().compareTo(DROP_MEMORY) < 0) {
      return degraded(
          "messages dropped, the latest " + f.sinceDrop().toSeconds() + " s ago: " + f.dropCause());
    }
    return Health.ok();
  }

  private static String since(Fault fault) {
    return "since " + fault.since().truncatedTo(ChronoUnit.SECONDS) + ": " + fault.reason();
  }

  private static Health error(String reason) {
    return new Health(SensorState.ERROR, reason);
  }

  private static Health degraded(String reason) {
    return new Health(SensorState.DEGRADED, reason);
  }
}
