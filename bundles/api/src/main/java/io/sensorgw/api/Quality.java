package io.sensorgw.api;

/** How far a reading can be trusted. */
public enum Quality {
  /** Measured by real hardware just now. */
  OK,
  /** Served although older than the sensor's max age (the device could not be read afresh). */
  STALE,
  /** Produced by a simulated device, never by hardware. */
  SIMULATED,
  /** The device reported an error or an unreliable value; values may be empty. */
  ERROR;
}
