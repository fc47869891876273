package io.sensorgw.mqtt.internal;

/** The topic layout of DESIGN.md: {@code <prefix>/<sensor-id>/reading} and {@code <prefix>/status}. */
final class Topics {
  private final String prefix;

  Topics(String prefix) {
    this.prefix = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
  }

  String reading(String sensorId) {
    return prefix + "/" + segment(sensorId) + "/reading";
  }

  String status() {
    return prefix + "/status";
  }

  /** A name made safe as one topic level: no wildcards, no separators, no spaces. */
  static String segment(String name) {
    return name.replaceAll("[^A-Za-z0-9_.-]", "_");
  }
}
