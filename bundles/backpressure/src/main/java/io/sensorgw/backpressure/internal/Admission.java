package io.sensorgw.backpressure.internal;

import com.netflix.concurrency.limits.Limit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Who may run now and who waits: at most {@code limit.getLimit()} permits out at once, and a
 * bounded first-come queue of waiters that are handed a permit as one is released. Knows nothing of
 * servlets, so it is tested on its own. The limit is Netflix's: fixed, or one that follows the
 * latency each released permit reports.
 */
final class Admission {
  /** Held while a request runs; release it exactly once (later calls do nothing). */
  final class Permit {
    private final long startNanos = clock.getAsLong();
    private final int inFlightAtStart;
    private final AtomicBoolean released = new AtomicBoolean();

    private Permit(int inFlightAtStart) {
      this.inFlightAtStart = inFlightAtStart;
    }

    /**
     * Gives the permit back. {@code overloaded} tells the limit the request failed because the
     * system was overloaded (a timeout), which an adaptive limit treats as a strong signal. True if
     * this call gave it back.
     */
    boolean release(boolean overloaded) {
      if (!released.compareAndSet(false, true)) return false;
      long rtt = clock.getAsLong() - startNanos;
      Limit current;
      synchronized (lock) {
        inFlight--;
        current = limit;
      }
      completed.increment();
      current.onSample(startNanos, rtt, inFlightAtStart, overloaded);
      grantWaiting();
      return true;
    }
  }

  /** A place in the queue: either granted a permit or cancelled, never both. */
  final class Ticket {
    private final Consumer<Permit> onGrant;
    private boolean cancelled; // guarded by lock
    private Permit permit; // guarded by lock; set when granted

    private Ticket(Consumer<Permit> onGrant) {
      this.onGrant = onGrant;
    }

    /** Leaves the queue; true if this ticket was still waiting (so it will never be granted). */
    boolean cancel() {
      synchronized (lock) {
        if (permit != null || cancelled) return false;
        cancelled = true;
        waiting.remove(this);
        return true;
      }
    }
  }

  private final Object lock = new Object();
  private final LongSupplier clock;
  private final ArrayDeque<Ticket> waiting = new ArrayDeque<>();
  private final LongAdder admitted = new LongAdder();
  private final LongAdder queued = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private Limit limit;
  private int maxQueue;
  private int inFlight;

  Admission(Limit limit, int maxQueue, LongSupplier nanoClock) {
    this.clock = nanoClock;
    configure(limit, maxQueue);
  }

  /** Applies a new limit and queue bound at once; waiters are granted if the limit rose. */
  void configure(Limit newLimit, int newMaxQueue) {
    synchronized (lock) {
      limit = newLimit;
      maxQueue = newMaxQueue;
    }
    grantWaiting();
  }

  /** A permit now if one is free and nobody is queued ahead; otherwise null. */
  Permit tryAcquire() {
    synchronized (lock) {
      if (!waiting.isEmpty() || inFlight >= limit.getLimit()) return null;
      return admit();
    }
  }

  /**
   * Queues for a permit; {@code onGrant} receives it (possibly at once, on this thread, if one came
   * free meanwhile). Null when the queue is full: reject the request.
   */
  Ticket enqueue(Consumer<Permit> onGrant) {
    Ticket ticket = new Ticket(onGrant);
    synchronized (lock) {
      if (waiting.size() >= maxQueue) return null;
      waiting.addLast(ticket);
      queued.increment();
    }
    grantWaiting();
    return ticket;
  }

  private Permit admit() { // holds lock
    inFlight++;
    admitted.increment();
    return new Permit(inFlight);
  }

  /** Hands free permits to waiters in order; callbacks run outside the lock. */
  private void grantWaiting() {
    List<Ticket> granted = new ArrayList<>();
    List<Permit> permits = new ArrayList<>();
    synchronized (lock) {
      while (inFlight < limit.getLimit() && !waiting.isEmpty()) {
        Ticket next = waiting.pollFirst();
        next.permit = admit();
        granted.add(next);
        permits.add(next.permit);
      }
    }
    for (int i = 0; i < granted.size(); i++) {
      try {
        granted.get(i).onGrant.accept(permits.get(i));
      } catch (RuntimeException e) { // the request is gone; its permit must not leak
        permits.get(i).release(false);
      }
    }
  }

  /** Metrics for /metrics and the Sensors page. */
  Snapshot snapshot() {
    synchronized (lock) {
      return new Snapshot(
          limit.getLimit(),
          inFlight,
          waiting.size(),
          admitted.sum(),
          queued.sum(),
          completed.sum());
    }
  }

  record Snapshot(
      int limit, int inFlight, int waiting, long admitted, long queued, long completed) {}
}
