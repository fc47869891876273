package io.sensorgw.core.internal;

import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.fanout.ReadingPublisher.ListenerStats;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener's bounded queue and the thread that drains it. When the listener falls behind the
 * oldest readings are dropped and counted, so the publisher never waits. When the listener goes
 * away (a reconfigured or updated component), what it was already given is still delivered, within
 * a bound: its component is still active while its service is unregistered.
 */
final class ListenerQueue {
  private static final Logger LOG = LoggerFactory.getLogger(ListenerQueue.class);

  private final String name;
  private final ReadingListener listener;
  private final String sensorFilter;
  private final boolean reported;
  private final int capacity;
  private final ArrayDeque<Reading> queue;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Thread thread;
  private final LongAdder delivered = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder failed = new LongAdder();

  /** No more offers: the thread delivers what is queued, then ends. */
  private volatile boolean closing;

  /** The thread ends now, whatever is queued. */
  private volatile boolean closed;

  private long droppedUnreported; // guarded by lock

  ListenerQueue(
      String name, ReadingListener listener, String sensorFilter, boolean reported, int capacity) {
    this.name = name;
    this.listener = listener;
    this.sensorFilter = sensorFilter;
    this.reported = reported;
    this.capacity = capacity;
    this.queue = new ArrayDeque<>(Math.min(capacity, 1024));
    this.thread = new Thread(this::drain, "sensorgw-listener-" + name);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  ReadingListener listener() {
    return listener;
  }

  /** True when the listener wants the reported readings, false for every reading. */
  boolean reported() {
    return reported;
  }

  /** Enqueues without blocking; drops the oldest reading when full. */
  void offer(Reading reading) {
    if (closing || (sensorFilter != null && !sensorFilter.equals(reading.sensorId()))) return;
    lock.lock();
    try {
      if (queue.size() >= capacity) {
        queue.pollFirst();
        dropped.increment();
        droppedUnreported++;
      }
      queue.addLast(reading);
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  private void drain() {
    while (!closed) {
      Reading next;
      long droppedBefore;
      lock.lock();
      try {
        while (queue.isEmpty() && !closing && !closed) notEmpty.await();
        if (closed || queue.isEmpty()) return; // stopped, or closing with nothing left
        next = queue.pollFirst();
        droppedBefore = droppedUnreported;
        droppedUnreported = 0;
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      try {
        if (droppedBefore > 0) listener.onDropped(droppedBefore);
        listener.onReading(next);
        delivered.increment();
        if (isEmpty()) listener.onCaughtUp();
      } catch (RuntimeException | Error e) {
        failed.increment();
        LOG.warn("Reading listener {} failed on {}#{}", name, next.sensorId(), next.sequence(), e);
      }
    }
  }

  private boolean isEmpty() {
    lock.lock();
    try {
      return queue.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops taking readings and gives the thread {@code wait} to deliver those queued; then a
   * listener still busy is interrupted and given {@code wait} more. What is left undelivered is
   * counted as dropped. Returns whether the thread ended.
   */
  boolean close(Duration wait) {
    closing = true;
    signal();
    join(wait);
    if (thread.isAlive()) {
      closed = true;
      signal();
      thread.interrupt();
      join(wait);
    }
    int undelivered;
    lock.lock();
    try {
      undelivered = queue.size();
      queue.clear();
    } finally {
      lock.unlock();
    }
    if (undelivered > 0) {
      dropped.add(undelivered);
      LOG.warn(
          "Reading listener {} went away with {} readings undelivered (it did not take them within {})",
          name,
          undelivered,
          wait);
    }
    return !thread.isAlive();
  }

  private void signal() {
    lock.lock();
    try {
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void join(Duration wait) {
    try {
      thread.join(TimeUnit.NANOSECONDS.toMillis(wait.toNanos()) + 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  ListenerStats stats() {
    int queued;
    lock.lock();
    try {
      queued = queue.size();
    } finally {
      lock.unlock();
    }
    return new ListenerStats(name, queued, capacity, delivered.sum(), dropped.sum(), failed.sum());
  }
}
