package io.sensorgw.dashboard.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Which sensors are registered, numbered by generation, with the last changes kept: a page that
 * asks "what changed since generation N" learns that a sensor went and came back even when both
 * happened between two of its questions (a driver updated in place takes well under a second).
 * Those who wait for the next change are called back when it happens.
 *
 * @param <S> what is known of a sensor (its service, in the gateway)
 */
final class SensorRoster<S> {
  /** A sensor added or removed, at a generation. */
  record Change(long generation, String sensor, String kind, long atMillis) {}

  /** Who waits for a change after a generation. */
  interface Waiter {
    void changed();
  }

  static final int KEPT_CHANGES = 200;

  private final LongSupplier clock;
  private final Map<String, S> sensors = new LinkedHashMap<>();
  private final Deque<Change> changes = new ArrayDeque<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private long generation;

  SensorRoster(LongSupplier clock) {
    this.clock = clock;
  }

  void added(String id, S sensor) {
    change(
        id,
        "added",
        () -> {
          sensors.put(id, sensor);
          return true;
        });
  }

  /**
   * Only when {@code sensor} is the one registered under that id (an old instance going is no
   * news).
   */
  void removed(String id, S sensor) {
    change(id, "removed", () -> sensors.remove(id, sensor));
  }

  private void change(String id, String kind, java.util.function.BooleanSupplier apply) {
    List<Waiter> called;
    synchronized (this) {
      if (!apply.getAsBoolean()) return;
      generation++;
      changes.addLast(new Change(generation, id, kind, clock.getAsLong()));
      while (changes.size() > KEPT_CHANGES) changes.removeFirst();
      called = new ArrayList<>(waiters);
      waiters.clear();
    }
    called.forEach(Waiter::changed); // outside the lock: a waiter writes its answer
  }

  /**
   * What is registered now, the generation, and the changes after {@code since} (all kept when it
   * is too old).
   */
  synchronized Snapshot<S> since(long since) {
    List<Change> after = changes.stream().filter(c -> c.generation() > since).toList();
    return new Snapshot<>(generation, List.copyOf(sensors.values()), after);
  }

  /** The sensor registered under {@code id} now, or null. */
  synchronized S get(String id) {
    return sensors.get(id);
  }

  record Snapshot<S>(long generation, List<S> sensors, List<Change> changes) {}

  /**
   * Registers a waiter for the next change after {@code since}; false (nothing registered) when
   * there is one already or {@code max} wait: then the caller answers at once.
   */
  synchronized boolean await(long since, Waiter waiter, int max) {
    if (since != generation || waiters.size() >= max) return false;
    waiters.add(waiter);
    return true;
  }

  synchronized void forget(Waiter waiter) {
    waiters.remove(waiter);
  }

  /** Calls every waiter back (the component stops). */
  void releaseAll() {
    List<Waiter> called;
    synchronized (this) {
      called = new ArrayList<>(waiters);
      waiters.clear();
    }
    called.forEach(Waiter::changed);
  }

  synchronized int waiting() {
    return waiters.size();
  }
}
