package io.sensorgw.api;

import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One device instance, registered as an OSGi service by its driver with the service properties
 * {@link #SENSOR_ID}, {@link #SENSOR_MODEL} and {@link #SENSOR_KIND}.
 *
 * <p>Registering never waits on the device and never fails for it: a sensor with a bad
 * configuration or an absent device is registered in state {@link SensorState#ERROR} with a
 * one-line {@link #stateReason()}; its reads fail at once with that reason. An absent device is
 * retried with backoff (the sensor becomes OK when it appears, without reconfiguration); a bad
 * configuration waits for a corrected one. A sensor id is 1 to 64 characters of {@code A-Z a-z 0-9
 * . _ -}; a driver given another id registers the sensor, in ERROR, under a placeholder id {@code
 * invalid-...} (its {@link SensorInfo#id()}).
 */
@ProviderType
public interface Sensor {
  /**
   * Service property: the sensor's unique id, e.g. {@code tfluna-1}, as configured. Consumers key
   * sensors by {@link SensorInfo#id()}, which differs only for a bad configured id (a placeholder).
   */
  String SENSOR_ID = "sensor.id";

  /** Service property: the device model in lower case, e.g. {@code tfluna}. */
  String SENSOR_MODEL = "sensor.model";

  /**
   * Service property: what the sensor measures, e.g. {@code distance}, {@code imu}, {@code camera}.
   */
  String SENSOR_KIND = "sensor.kind";

  /** What this sensor is; constant for the life of the service. */
  SensorInfo info();

  /**
   * A reading no older than the sensor's max age: cached, or one fresh acquisition shared by all
   * concurrent callers. Returns at once and never blocks the caller; the work runs on the sensor's
   * own executor. The stage fails when the device fails, the read times out or the executor is
   * saturated.
   */
  CompletionStage<Reading> read();

  /** Current health of the device, without touching it. */
  SensorState state();

  /**
   * One line saying why the sensor is in its {@link #state()} (e.g. {@code sample.rate.hz must be
   * 4..1000, was 0} or {@code no device at I2C address 0x68}); empty when there is nothing to say.
   * A sensor whose configuration is bad or whose device is absent is still registered, in state
   * {@link SensorState#ERROR} with this reason, so that it stays visible.
   */
  default String stateReason() {
    return "";
  }

  /** Live statistics of the sensor's own executor. */
  ExecutorStats executorStats();

  /**
   * The driver's own metrics, by name: reads, cache hits, errors, dropped frames and the like.
   * Consumers show them as they are; names are lower camel case. A driver built against api 1.8 or
   * earlier implements {@link #statistics()} instead, which this answers by default.
   *
   * @since 1.9
   */
  default Map<String, Number> metrics() {
    return statistics();
  }

  /**
   * What each of {@link #metrics()} is (counter or gauge, unit, help), by the same names; constant
   * for the life of the service. A metric not described here is exported as a unitless gauge.
   *
   * @since 1.9
   */
  default Map<String, MetricDescription> metricDescriptions() {
    return Map.of();
  }

  /**
   * The driver's metrics under their old name.
   *
   * @deprecated since 1.9: call and implement {@link #metrics()}; kept so that drivers and
   *     consumers built against an earlier 1.x keep working.
   */
  @Deprecated
  default Map<String, Number> statistics() {
    return Map.of();
  }
}
