package io.sensorgw.core.internal;

import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.core.ReadingPublisher.ListenerStats;
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
 * oldest readings are dropped and counted, so the publisher never waits.
 */
final class ListenerQueue {
  private static final Logger LOG = LoggerFactory.getLogger(ListenerQueue.class);

  private final String name;
  private final ReadingListener listener;
  private final String sensorFilter;
  private final int capacity;
  private final ArrayDeque<Reading> queue;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Thread thread;
  private final LongAdder delivered = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private volatile boolean closed;
  private long droppedUnreported; // guarded by lock

  ListenerQueue(String name, ReadingListener listener, String sensorFilter, int capacity) {
    this.name = name;
    this.listener = listener;
    this.sensorFilter = sensorFilter;
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

  /** Enqueues without blocking; drops the oldest reading when full. */
  void offer(Reading reading) {
    if (closed || (sensorFilter != null && !sensorFilter.equals(reading.sensorId()))) return;
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
        while (queue.isEmpty() && !closed) notEmpty.await();
        if (closed) return;
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

  /** Stops the thread; a listener stuck in a call is interrupted and given {@code wait} to end. */
  boolean close(Duration wait) {
    closed = true;
    lock.lock();
    try {
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
    thread.interrupt();
    try {
      thread.join(TimeUnit.NANOSECONDS.toMillis(wait.toNanos()) + 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !thread.isAlive();
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
