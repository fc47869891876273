package io.sensorgw.mqtt.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * An {@link MqttConfig} as ConfigAdmin would give it: the defaults, and properties by their keys.
 */
final class TestConfig {
  private TestConfig() {}

  /** {@code key=value} pairs as in a .cfg file, e.g. {@code "reconnect.min.ms=0"}. */
  static MqttConfig of(String... lines) {
    Map<String, String> properties = new HashMap<>();
    for (String line : lines) {
      String[] pair = line.split("=", 2);
      properties.put(pair[0], pair[1]);
    }
    return (MqttConfig)
        Proxy.newProxyInstance(
            MqttConfig.class.getClassLoader(),
            new Class<?>[] {MqttConfig.class},
            (proxy, method, args) -> {
              if (method.getDeclaringClass() == Object.class)
                return method.invoke(properties, args);
              String value = properties.get(key(method));
              return value == null
                  ? method.getDefaultValue()
                  : convert(value, method.getReturnType());
            });
  }

  /**
   * The DS name mapping: {@code reconnect_min_ms} is {@code reconnect.min.ms}, {@code _password}
   * {@code .password}.
   */
  private static String key(Method method) {
    return method.getName().replace('_', '.');
  }

  private static Object convert(String value, Class<?> type) {
    if (type == String.class) return value;
    if (type == String[].class) return new String[] {value};
    if (type == int.class) return Integer.parseInt(value);
    if (type == long.class) return Long.parseLong(value);
    if (type == boolean.class) return Boolean.parseBoolean(value);
    throw new IllegalArgumentException(type.toString());
  }
}
