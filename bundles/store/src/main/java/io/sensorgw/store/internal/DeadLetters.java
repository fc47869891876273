package io.sensorgw.store.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readings the store set aside because the database can never take them (a bad id, a value the
 * database refuses). They are counted, never retried; the log names each sensor and cause once
 * (again at most hourly while it goes on), so a sensor sending bad readings every millisecond does
 * not flood the log.
 */
final class DeadLetters {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
  private static final int MAX_CAUSES_REMEMBERED = 256;
  private static final long RELOG_AFTER_NANOS = Duration.ofHours(1).toNanos();

  private final AtomicLong total = new AtomicLong();

  /**
   * cause key -> when it was last logged (nanoTime); access order, so the oldest cause goes first.
   */
  private final Map<String, Long> logged = new LinkedHashMap<>(64, 0.75f, true);

  private final Object lock = new Object();
  // The current run of dead letters, for the store's health (guarded by lock).
  private long runCount;
  private Instant runSince;
  private long lastAtNanos;
  private String latest;

  /**
   * Sets aside {@code count} readings of {@code sensorId}.
   *
   * @param cause what tells causes apart for the log: the reason, or the SQL state for database
   *     refusals
   * @param reason one line saying why
   */
  void add(String sensorId, int count, String cause, String reason, Duration hold) {
    total.addAndGet(count);
    long now = System.nanoTime();
    String key = sensorId + '\u0000' + cause;
    boolean log;
    synchronized (lock) {
      if (runSince == null || now - lastAtNanos > hold.toNanos()) {
        runSince = Instant.now();
        runCount = 0;
      }
      runCount += count;
      lastAtNanos = now;
      latest = "sensor '" + ReadingCheck.printable(sensorId) + "': " + reason;
      Long before = logged.get(key);
      log = before == null || now - before > RELOG_AFTER_NANOS;
      if (log) {
        logged.put(key, now);
        if (logged.size() > MAX_CAUSES_REMEMBERED) logged.remove(logged.keySet().iterator().next());
      }
    }
    if (log) {
      LOG.warn(
          "Store: readings of sensor '{}' are set aside as dead letters, not stored: {} "
              + "(counted in deadLetters; logged again at most hourly)",
          ReadingCheck.printable(sensorId),
          reason);
    }
  }

  long total() {
    return total.get();
  }

  /**
   * What the current run of dead letters is, while the last one is younger than {@code hold}; else
   * null.
   */
  String recent(Duration hold) {
    synchronized (lock) {
      if (runSince == null || System.nanoTime() - lastAtNanos > hold.toNanos()) return null;
      return runCount
          + " reading"
          + (runCount == 1 ? "" : "s")
          + " set aside as dead letters since "
          + runSince
          + " (latest: "
          + latest
          + ")";
    }
  }
}
