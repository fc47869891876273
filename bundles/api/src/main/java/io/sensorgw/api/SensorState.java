package io.sensorgw.api;

/** Health of a device as its driver last saw it. */
public enum SensorState {
  /** Opening the device; no reading yet. */
  STARTING,
  /** Reading normally. */
  OK,
  /** Reachable, but readings are late or unreliable. */
  DEGRADED,
  /** The device failed or is gone; the driver is retrying. */
  ERROR,
  /** Closed; the service is about to go away. */
  STOPPED;
}
