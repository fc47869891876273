package io.sensorgw.api;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A capability some sensors have besides {@link Sensor}: offset calibration at rest. Consumers find
 * it by checking the sensor service with {@code instanceof}.
 *
 * <p>Drivers implement it, so it is a consumer type: a method a later 1.x adds comes with a
 * default, and a driver built against an earlier 1.x keeps resolving.
 */
@ConsumerType
public interface Calibratable {
  /**
   * Averages {@code samples} readings taken with the device at rest, stores the resulting offsets
   * in the sensor's configuration and completes with them. Runs on the sensor's executor.
   */
  CompletionStage<Map<String, Value>> calibrate(int samples);
}
