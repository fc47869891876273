package io.sensorgw.testing;

import java.util.Map;
import org.osgi.util.converter.Converters;

/**
 * A component's typed configuration made from properties the way Declarative Services makes it: the
 * OSGi Converter maps {@code sensor.id} to {@code sensor_id()}, converts each value to the method's
 * type when it is called (a value it cannot convert throws then, as under DS), and answers the
 * annotation's default for a property not given. Tests use it instead of hand-written proxies, so
 * they see the conversions the framework does.
 */
public final class Configs {
  private Configs() {}

  public static <A> A of(Class<A> type, Map<String, ?> properties) {
    return Converters.standardConverter().convert(properties).to(type);
  }
}
