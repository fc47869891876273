package io.sensorgw.api;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A capability some sensors have besides {@link Sensor}: offset calibration at rest. Consumers find
 * it by checking the sensor service with {@code instanceof}.
 */
@ProviderType
public interface Calibratable {
  /**
   * Averages {@code samples} readings taken with the device at rest, stores the resulting offsets in
   * the sensor's configuration and completes with them. Runs on the sensor's executor.
   */
  CompletionStage<Map<String, Value>> calibrate(int samples);
}
