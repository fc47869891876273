package io.sensorgw.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: register a service of this type to receive every reading any sensor produces.
 *
 * <p>Each listener is called from its own thread through its own bounded queue, so a slow listener
 * delays nobody else; when it falls behind, the oldest readings are dropped and counted. Optional
 * service properties: {@link #SENSOR_FILTER}, {@link #QUEUE_CAPACITY} and {@link #REPORTED}.
 *
 * <p><b>Raw or reported.</b> A listener gets, by default, the <em>reported</em> readings: those the
 * sensor's reporting rules pass (on change beyond a deadband, at most one per interval, a
 * heartbeat, a window aggregate; every reading when a sensor has no rule). With {@link #REPORTED}
 * {@code false} it gets every reading the sensor publishes (raw), e.g. for an alarm that must see
 * each one.
 */
@ConsumerType
public interface ReadingListener {
  /** Service property: only readings of this sensor id are delivered. */
  String SENSOR_FILTER = "reading.sensor.id";

  /** Service property: capacity of this listener's queue (default 1024). */
  String QUEUE_CAPACITY = "reading.queue.capacity";

  /**
   * Service property: {@code true} (the default) to receive the reported readings, {@code false} to
   * receive every reading (raw).
   */
  String REPORTED = "reading.reported";

  /** Called for each reading, in order per sensor. Exceptions are logged and counted. */
  void onReading(Reading reading);

  /**
   * Called, before the next reading, when this listener fell behind and its queue dropped the
   * {@code count} oldest readings since the last call; e.g. to tell a stream's client.
   */
  default void onDropped(long count) {}

  /**
   * Called after a reading when no further reading is queued for this listener: the moment to flush
   * output batched over a burst (one network write per burst instead of per reading).
   */
  default void onCaughtUp() {}
}
