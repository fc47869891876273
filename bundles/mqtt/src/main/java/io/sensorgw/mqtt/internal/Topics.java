package io.sensorgw.mqtt.internal;

import java.nio.charset.StandardCharsets;

/**
 * The topic layout of DESIGN.md ({@code <prefix>/<sensor-id>/reading} and {@code <prefix>/status})
 * and the rules a topic name must follow before it is spooled or published.
 */
final class Topics {
  /** MQTT encodes a topic name's length in 16 bits. */
  static final int MAX_TOPIC_BYTES = 65_535;

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

  /** Retained {@code online} while the sensor's state is OK, {@code offline} otherwise. */
  String availability(String sensorId) {
    return prefix + "/" + segment(sensorId) + "/availability";
  }

  /** Where a command to one sensor is published, e.g. {@code <prefix>/tfluna-1/cmd/read}. */
  String command(String sensorId, String verb) {
    return prefix + "/" + segment(sensorId) + "/cmd/" + verb;
  }

  /** Where configuration commands are published. */
  String configCommand() {
    return prefix + "/cmd/config";
  }

  /** An alarm rule's retained state. */
  String alarm(String rule) {
    return prefix + "/alarm/" + segment(rule);
  }

  /** An alarm rule's changes, one message each (not retained). */
  String alarmEvent(String rule) {
    return alarm(rule) + "/event";
  }

  String prefix() {
    return prefix;
  }

  /** A name made safe as one topic level: no wildcards, no separators, no spaces. */
  static String segment(String name) {
    return name.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  /**
   * Why {@code topic} cannot be published, or null when it can. The rules of MQTT 3.1.1 (4.7,
   * 1.5.3) that Paho and brokers enforce: not empty, at most 65535 bytes of UTF-8, no wildcard, no
   * U+0000; and what Mosquitto refuses by disconnecting (control characters, unpaired surrogates)
   * or reserves for itself (a leading {@code $}). The reason names the rule, not the topic, so that
   * it can serve as the cause in counters and log lines.
   */
  static String topicProblem(String topic) {
    if (topic == null || topic.isEmpty()) return "is empty";
    String characters = characterProblem(topic);
    if (characters != null) return characters;
    if (topic.charAt(0) == '$') return "starts with '$' (reserved for the broker)";
    for (int i = 0; i < topic.length(); i++) {
      char c = topic.charAt(i);
      if (c == '#' || c == '+') return "contains the wildcard '" + c + "' (only subscriptions may)";
    }
    int bytes = topic.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_TOPIC_BYTES)
      return "is " + bytes + " bytes of UTF-8 (at most " + MAX_TOPIC_BYTES + ")";
    return null;
  }

  /**
   * Why {@code prefix} cannot start the topics of a setting ({@code topic.prefix}, {@code
   * homeassistant.prefix}), or null. On top of {@link #topicProblem}: no empty level (a leading
   * {@code /} or {@code //}), which would split one gateway's topics over several trees. One
   * trailing {@code /} is allowed and dropped.
   */
  static String prefixProblem(String prefix) {
    String problem = topicProblem(prefix);
    if (problem != null) return problem;
    String body = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    if (body.isEmpty() || body.startsWith("/") || body.contains("//"))
      return "has an empty topic level";
    return null;
  }

  /**
   * Why a string the broker reads as UTF-8 (a topic, a client id, a user name) would be refused, or
   * null: U+0000, control characters, or an unpaired surrogate (not encodable as UTF-8).
   */
  static String characterProblem(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) return "contains U+0000";
      if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
        return String.format("contains the control character U+%04X", (int) c);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return "contains an unpaired surrogate (not UTF-8)";
      }
    }
    return null;
  }

  /** A setting's value as a log line may show it: bounded, control characters escaped. */
  static String shown(String value) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < value.length() && out.length() < 80; i++) {
      char c = value.charAt(i);
      out.append(
          c < 0x20 || (c >= 0x7F && c <= 0x9F)
              ? String.format("\\u%04x", (int) c)
              : String.valueOf(c));
    }
    return value.length() > 80 ? out + "..." : out.toString();
  }
}
