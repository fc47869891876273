package io.sensorgw.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: register a service of this type to receive every reading any sensor produces.
 *
 * <p>Each listener is called from its own thread through its own bounded queue, so a slow
 * listener delays nobody else; when it falls behind, the oldest readings are dropped and counted.
 * Optional service properties: {@link #SENSOR_FILTER} and {@link #QUEUE_CAPACITY}.
 */
@ConsumerType
public interface ReadingListener {
  /** Service property: only readings of this sensor id are delivered. */
  String SENSOR_FILTER = "reading.sensor.id";
  /** Service property: capacity of this listener's queue (default 1024). */
  String QUEUE_CAPACITY = "reading.queue.capacity";

  /** Called for each reading, in order per sensor. Exceptions are logged and counted. */
  void onReading(Reading reading);

  /**
   * Called, before the next reading, when this listener fell behind and its queue dropped the
   * {@code count} oldest readings since the last call; e.g. to tell a stream's client.
   */
  default void onDropped(long count) {}

  /**
   * Called after a reading when no further reading is queued for this listener: the moment to
   * flush output batched over a burst (one network write per burst instead of per reading).
   */
  default void onCaughtUp() {}
}
