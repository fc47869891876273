package io.sensorgw.mqtt.internal;

import java.util.Locale;

/**
 * The fixed rules of MQTT commands, whatever the configuration says: how big a request may be, what
 * an id is, which configuration keys are never settable, and the shape of a command topic.
 */
final class CommandRules {
  /** A request payload above this is answered bad_request unread. */
  static final int MAX_PAYLOAD_BYTES = 4096;

  /** An id is 1 to this many characters, no control character. */
  static final int MAX_ID_CHARS = 64;

  /** Keys in one configuration command. */
  static final int MAX_KEYS = 32;

  /** Calibration samples, as the HTTP route bounds them. */
  static final int MIN_SAMPLES = 1;

  static final int MAX_SAMPLES = 100_000;
  static final int DEFAULT_SAMPLES = 1000;

  private CommandRules() {}

  /**
   * Why a configuration key can never be set by a command, or null. A key starting with '.' is
   * private (passwords); secrets and anything that names a program to run (the camera's {@code
   * still.command} and its arguments) would turn broker access into code execution.
   */
  static String deniedKey(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    if (key.startsWith(".")) return "is private (starts with '.')";
    if (lower.contains("password") || lower.contains("secret")) return "is a secret";
    if (lower.contains("command") || lower.contains("argument")) return "names a program to run";
    if (lower.equals("service.pid")
        || lower.equals("service.factorypid")
        || lower.startsWith("felix.")) {
      return "belongs to the framework";
    }
    return null;
  }

  /** Why an id is not acceptable, or null. */
  static String idProblem(String id) {
    if (id.isEmpty() || id.length() > MAX_ID_CHARS)
      return "id must be 1 to " + MAX_ID_CHARS + " characters";
    String characters = Topics.characterProblem(id);
    return characters == null ? null : "id " + characters;
  }

  /** What a topic under the prefix asks for. */
  record Target(String sensorSegment, String verb) {
    boolean config() {
      return sensorSegment == null;
    }
  }

  /**
   * The command a topic names: {@code <prefix>/cmd/<verb>} (the gateway's own: config) or {@code
   * <prefix>/<sensor>/cmd/<verb>}; null for any other shape. Results ({@code .../result}) are never
   * commands: answering them would answer our own answers.
   */
  static Target target(String prefix, String topic) {
    if (!topic.startsWith(prefix + "/")) return null;
    String[] levels = topic.substring(prefix.length() + 1).split("/", -1);
    if (levels.length == 2 && levels[0].equals("cmd") && !levels[1].isEmpty())
      return new Target(null, levels[1]);
    if (levels.length == 3
        && levels[1].equals("cmd")
        && !levels[0].isEmpty()
        && !levels[2].isEmpty()) {
      return new Target(levels[0], levels[2]);
    }
    return null;
  }

  /** Our own answers come back through the same subscription; they are not requests. */
  static boolean isResult(String topic) {
    return topic.endsWith("/result");
  }
}
