package io.sensorgw.api;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: a bundle that is not a sensor (telemetry, store) registers one of these to contribute
 * its figures to the gateway's metrics, without the HTTP bundle knowing it. Register it with the
 * service property {@link #NAME}, e.g. {@code store}.
 */
@ConsumerType
public interface MetricsSource {
  /** Service property: the source's name, used as the metrics' prefix. */
  String NAME = "metrics.name";

  /** Current figures by name (lower camel case), e.g. {@code written -> 1200}. */
  Map<String, Number> metrics();
}
