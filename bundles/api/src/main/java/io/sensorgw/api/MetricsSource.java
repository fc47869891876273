package io.sensorgw.api;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: a bundle that is not a sensor (telemetry, store) registers one of these to contribute
 * its metrics to the gateway's, without the HTTP bundle knowing it. Register it with the service
 * property {@link #NAME}, e.g. {@code store}.
 */
@ConsumerType
public interface MetricsSource {
  /** Service property: the source's name, used as the metrics' prefix. */
  String NAME = "metrics.name";

  /** Current metrics by name (lower camel case), e.g. {@code written -> 1200}. */
  Map<String, Number> metrics();

  /**
   * What each metric of {@link #metrics()} is (counter or gauge, unit, help), by the same names;
   * constant for the life of the service. A metric not described here is exported as a unitless
   * gauge, as by a source built against api 1.8 or earlier, which has none.
   *
   * @since 1.9
   */
  default Map<String, MetricDescription> metricDescriptions() {
    return Map.of();
  }
}
