package io.sensorgw.alarms.internal;

import io.sensorgw.api.Alarm;
import io.sensorgw.api.AlarmListener;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every {@link AlarmListener} each raise and clear, from the bundle's own delivery threads:
 * one bounded queue per listener, drained by one task at a time, so a listener sees its alarms in
 * order, a slow one delays only itself, and the engine (the reading path) never waits. A full queue
 * drops its oldest alarm (counted); a listener's exception is logged and counted.
 */
final class AlarmDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(AlarmDispatcher.class);

  private final Executor delivery;
  private final int capacity;
  private final Map<AlarmListener, Channel> channels = new ConcurrentHashMap<>();
  final LongAdder delivered = new LongAdder();
  final LongAdder listenerErrors = new LongAdder();
  final LongAdder dropped = new LongAdder();

  AlarmDispatcher(Executor delivery, int capacity) {
    this.delivery = delivery;
    this.capacity = capacity;
  }

  /**
   * A new listener: given {@code current} (the active alarms, taken under the engine's lock in the
   * same step as this call) first, then every change.
   */
  void add(AlarmListener listener, List<Alarm> current) {
    Channel channel = new Channel(listener);
    current.forEach(channel::offer);
    channels.put(listener, channel);
    channel.schedule();
  }

  void remove(AlarmListener listener) {
    Channel channel = channels.remove(listener);
    if (channel != null) channel.close();
  }

  /** From the engine, under its lock: queue the change for every listener and return. */
  void publish(Alarm alarm) {
    for (Channel channel : channels.values()) {
      channel.offer(alarm);
      channel.schedule();
    }
  }

  int listeners() {
    return channels.size();
  }

  private final class Channel implements Runnable {
    private final AlarmListener listener;
    private final ArrayDeque<Alarm> queue = new ArrayDeque<>();
    private boolean scheduled; // a drain task is queued or running; under this
    private boolean closed;

    Channel(AlarmListener listener) {
      this.listener = listener;
    }

    synchronized void offer(Alarm alarm) {
      if (closed) return;
      if (queue.size() >= capacity) {
        queue.pollFirst();
        dropped.increment();
      }
      queue.addLast(alarm);
    }

    void schedule() {
      synchronized (this) {
        if (scheduled || closed || queue.isEmpty()) return;
        scheduled = true;
      }
      try {
        delivery.execute(this);
      } catch (
          RejectedExecutionException e) { // closing, or every queue full: the next change retries
        synchronized (this) {
          scheduled = false;
        }
      }
    }

    synchronized void close() {
      closed = true;
      queue.clear();
    }

    @Override
    public void run() {
      while (true) {
        Alarm next;
        synchronized (this) {
          next = closed ? null : queue.pollFirst();
          if (next == null) {
            scheduled = false;
            return;
          }
        }
        try {
          listener.onAlarm(next);
          delivered.increment();
        } catch (RuntimeException e) {
          listenerErrors.increment();
          LOG.warn(
              "Alarm listener {} failed on alarm {}: {}",
              listener.getClass().getName(),
              next.rule(),
              e.toString());
        }
      }
    }
  }
}
