package io.sensorgw.mqtt.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLSocketFactory;

/**
 * {@link MqttConfig} read and checked once, at configuration time: typed values, and one line per
 * bad setting. A bad setting never throws out of activation (the component would vanish); it is
 * reported as the component's error state, and only the part it concerns stops:
 *
 * <ul>
 *   <li>{@link Part#READINGS}: what a message is made of (topic prefix, QoS, intervals) or where it
 *       is kept (the spool). Without it no reading can be accepted.
 *   <li>{@link Part#CONNECTION}: how to reach the broker. Readings are still spooled and go out
 *       once the setting is fixed.
 *   <li>{@link Part#DISCOVERY}: the Home Assistant prefix. Discovery is off; readings flow.
 * </ul>
 */
final class MqttSettings {
  /** What a bad setting stops. */
  enum Part {
    READINGS,
    CONNECTION,
    DISCOVERY,
    COMMANDS
  }

  // Ranges (README.md, MQTT section). Reconnect: below 100 ms a refused broker is hammered (a
  // minimum of 0 made ~1,270 connects/s); above an hour an outage outlives its cause unnoticed.
  static final long RECONNECT_MIN_MS_LOW = 100;
  static final long RECONNECT_MIN_MS_HIGH = 600_000;
  static final long RECONNECT_MAX_MS_HIGH = 3_600_000;
  static final int KEEP_ALIVE_S_HIGH = 65_535; // a 16-bit field in CONNECT
  static final int MAX_INFLIGHT_HIGH = 65_535; // 16-bit packet identifiers
  static final long SPOOL_MAX_MB_HIGH = 1 << 20; // 1 TiB
  static final long SPOOL_MAX_AGE_H_HIGH = 87_600; // 10 years
  static final long FLUSH_TIMEOUT_MS_HIGH = 60_000;
  static final long PUBLISH_INTERVAL_MS_HIGH = 86_400_000; // a day
  static final int READING_QUEUE_HIGH = 1_000_000;

  final String gatewayId;
  final String prefix;
  final Topics topics;
  final String homeAssistantPrefix;
  final boolean discovery;

  /** {@code homeassistant.expire.after.min.s}: the least {@code expire_after} of a value. */
  final long expireAfterMinS;

  final List<String> brokerUris;
  final String clientId;
  final String username;
  final char[] password;
  final SSLSocketFactory socketFactory; // null: plain TCP
  final int qos;
  final Map<String, Integer> qosBySensor;
  final long publishIntervalMs;
  final Map<String, Long> intervalBySensor;
  final boolean retain;
  final int keepAliveS;
  final int maxInflight;
  final Path spoolDir;
  final long spoolMaxBytes;
  final Duration spoolMaxAge;
  final long reconnectMinMs;
  final long reconnectMaxMs;
  final long flushTimeoutMs;
  final boolean commandsEnabled;
  final int commandsRatePerS;
  final int commandsBurst;
  final long commandsTimeoutMs;

  /** PID -> keys commands may set there (never a denied key: {@link CommandRules#deniedKey}). */
  final Map<String, Set<String>> configAllowed;

  private final List<String> problems = new ArrayList<>();
  private final Set<Part> stopped = EnumSet.noneOf(Part.class);

  MqttSettings(MqttConfig config, Supplier<String> hostName) {
    gatewayId = config.gateway_id().isBlank() ? hostName.get() : config.gateway_id().trim();
    String configuredPrefix = config.topic_prefix().trim();
    if (configuredPrefix.isEmpty()) {
      prefix = "sensorgw/" + Topics.segment(gatewayId);
    } else {
      prefix =
          configuredPrefix.endsWith("/")
              ? configuredPrefix.substring(0, configuredPrefix.length() - 1)
              : configuredPrefix;
      check(
          Part.READINGS, "topic.prefix", configuredPrefix, Topics.prefixProblem(configuredPrefix));
    }
    topics = new Topics(prefix);
    if (!stopped.contains(Part.READINGS)) {
      // The longest fixed topic; a long gateway id or prefix can push it past the limit.
      check(
          Part.READINGS,
          configuredPrefix.isEmpty() ? "gateway.id" : "topic.prefix",
          configuredPrefix.isEmpty() ? gatewayId : configuredPrefix,
          Topics.topicProblem(topics.status()));
    }

    discovery = config.homeassistant_discovery();
    String haPrefix = config.homeassistant_prefix().trim();
    check(Part.DISCOVERY, "homeassistant.prefix", haPrefix, Topics.prefixProblem(haPrefix));
    homeAssistantPrefix =
        haPrefix.endsWith("/") ? haPrefix.substring(0, haPrefix.length() - 1) : haPrefix;
    expireAfterMinS =
        range(
            Part.DISCOVERY,
            "homeassistant.expire.after.min.s",
            config.homeassistant_expire_after_min_s(),
            1,
            86_400);

    qos = (int) range(Part.READINGS, "qos", config.qos(), 0, 2);
    qosBySensor = new LinkedHashMap<>();
    perSensor("qos.per.sensor", config.qos_per_sensor(), 0, 2)
        .forEach((id, q) -> qosBySensor.put(id, q.intValue()));
    publishIntervalMs =
        range(
            Part.READINGS,
            "publish.interval.ms",
            config.publish_interval_ms(),
            0,
            PUBLISH_INTERVAL_MS_HIGH);
    intervalBySensor =
        perSensor(
            "publish.interval.per.sensor",
            config.publish_interval_per_sensor(),
            0,
            PUBLISH_INTERVAL_MS_HIGH);
    retain = config.retain();

    String dir = config.spool_dir().trim();
    if (dir.isEmpty())
      problem(Part.READINGS, "spool.dir is empty (a folder, relative to the gateway's home)");
    spoolDir = path(Part.READINGS, "spool.dir", dir.isEmpty() ? "data/mqtt-spool" : dir);
    spoolMaxBytes =
        range(Part.READINGS, "spool.max.mb", config.spool_max_mb(), 1, SPOOL_MAX_MB_HIGH) << 20;
    spoolMaxAge =
        Duration.ofHours(
            range(
                Part.READINGS,
                "spool.max.age.h",
                config.spool_max_age_h(),
                1,
                SPOOL_MAX_AGE_H_HIGH));
    range(
        Part.READINGS,
        "reading.queue.capacity",
        config.reading_queue_capacity(),
        1,
        READING_QUEUE_HIGH);

    brokerUris = brokerUris(config.broker_uris());
    String id =
        config.client_id().isBlank()
            ? "sensorgw-" + Topics.segment(gatewayId)
            : config.client_id().trim();
    check(
        Part.CONNECTION,
        config.client_id().isBlank() ? "gateway.id" : "client.id",
        id,
        utf8Problem(id));
    clientId = id;
    username = config.username();
    check(Part.CONNECTION, "username", username, username.isEmpty() ? null : utf8Problem(username));
    password = config._password().toCharArray();
    if (config._password().getBytes(StandardCharsets.UTF_8).length > Topics.MAX_TOPIC_BYTES) {
      problem(Part.CONNECTION, ".password is longer than 65535 bytes"); // never the value
    }
    keepAliveS =
        (int) range(Part.CONNECTION, "keep.alive.s", config.keep_alive_s(), 1, KEEP_ALIVE_S_HIGH);
    maxInflight =
        (int) range(Part.CONNECTION, "max.inflight", config.max_inflight(), 1, MAX_INFLIGHT_HIGH);
    reconnectMinMs =
        range(
            Part.CONNECTION,
            "reconnect.min.ms",
            config.reconnect_min_ms(),
            RECONNECT_MIN_MS_LOW,
            RECONNECT_MIN_MS_HIGH);
    if (reconnectMinMs == config.reconnect_min_ms() && config.reconnect_max_ms() < reconnectMinMs) {
      problem(
          Part.CONNECTION,
          "reconnect.max.ms="
              + config.reconnect_max_ms()
              + " is below reconnect.min.ms="
              + reconnectMinMs
              + " (must be reconnect.min.ms.."
              + RECONNECT_MAX_MS_HIGH
              + ")");
      reconnectMaxMs = reconnectMinMs;
    } else {
      reconnectMaxMs =
          range(
              Part.CONNECTION,
              "reconnect.max.ms",
              config.reconnect_max_ms(),
              reconnectMinMs,
              RECONNECT_MAX_MS_HIGH);
    }
    flushTimeoutMs =
        range(
            Part.CONNECTION,
            "flush.timeout.ms",
            config.flush_timeout_ms(),
            0,
            FLUSH_TIMEOUT_MS_HIGH);
    socketFactory = tls(config);
    commandsEnabled = config.commands_enabled();
    commandsRatePerS =
        (int) range(Part.COMMANDS, "commands.rate.per.s", config.commands_rate_per_s(), 1, 1000);
    commandsBurst = (int) range(Part.COMMANDS, "commands.burst", config.commands_burst(), 1, 1000);
    commandsTimeoutMs =
        range(Part.COMMANDS, "commands.timeout.ms", config.commands_timeout_ms(), 100, 3_600_000);
    configAllowed = configAllowed(config.commands_config_allow());
  }

  /**
   * {@code pid:key} entries (an array, or comma-separated); a denied key is a problem, never
   * allowed.
   */
  private Map<String, Set<String>> configAllowed(String[] entries) {
    Map<String, Set<String>> allowed = new LinkedHashMap<>();
    for (String entry : entries) {
      for (String item : entry.split(",")) {
        if (item.isBlank()) continue;
        int colon = item.lastIndexOf(':');
        String pid = colon < 0 ? "" : item.substring(0, colon).trim();
        String key = colon < 0 ? "" : item.substring(colon + 1).trim();
        if (pid.isEmpty() || key.isEmpty()) {
          problem(
              Part.COMMANDS,
              "commands.config.allow: '" + Topics.shown(item.trim()) + "' is not pid:key");
        } else if (CommandRules.deniedKey(key) != null) {
          problem(
              Part.COMMANDS,
              "commands.config.allow: '"
                  + Topics.shown(item.trim())
                  + "' "
                  + CommandRules.deniedKey(key));
        } else {
          allowed.computeIfAbsent(pid, p -> new java.util.LinkedHashSet<>()).add(key);
        }
      }
    }
    return allowed;
  }

  /** One line per bad setting, in the order of the settings. */
  List<String> problems() {
    return List.copyOf(problems);
  }

  /** Whether a bad setting stops this part. */
  boolean stops(Part part) {
    return stopped.contains(part);
  }

  private void problem(Part part, String line) {
    problems.add(line);
    stopped.add(part);
  }

  private void check(Part part, String key, String value, String problem) {
    if (problem != null) problem(part, key + "='" + Topics.shown(value) + "' " + problem);
  }

  /** The value if within [low, high]; otherwise a problem, and the nearest bound to go on with. */
  private long range(Part part, String key, long value, long low, long high) {
    if (value >= low && value <= high) return value;
    problem(part, key + "=" + value + " is out of range (" + low + ".." + high + ")");
    return value < low ? low : high;
  }

  private Map<String, Long> perSensor(String key, String[] entries, long low, long high) {
    List<String> junk = new ArrayList<>();
    Map<String, Long> map = perSensor(entries, junk);
    for (String item : junk)
      problem(Part.READINGS, key + ": '" + Topics.shown(item) + "' is not sensor-id=number");
    map.forEach(
        (id, value) -> {
          if (value < low || value > high) {
            problem(
                Part.READINGS,
                key + ": " + id + "=" + value + " is out of range (" + low + ".." + high + ")");
          }
        });
    map.replaceAll((id, value) -> Math.max(low, Math.min(high, value)));
    return map;
  }

  /**
   * {@code sensor-id=number} entries, from an array or comma-separated lines; junk goes to {@code
   * junk}.
   */
  static Map<String, Long> perSensor(String[] entries, List<String> junk) {
    Map<String, Long> map = new LinkedHashMap<>();
    for (String entry : entries) {
      for (String item : entry.split(",")) {
        if (item.isBlank()) continue;
        String[] pair = item.trim().split("=", 2);
        try {
          if (pair.length != 2 || pair[0].isBlank()) throw new NumberFormatException();
          map.put(pair[0].trim(), Long.parseLong(pair[1].trim()));
        } catch (NumberFormatException e) {
          junk.add(item.trim());
        }
      }
    }
    return map;
  }

  private List<String> brokerUris(String[] configured) {
    List<String> uris =
        Arrays.stream(configured)
            .flatMap(u -> Arrays.stream(u.split(",")))
            .map(String::trim)
            .filter(u -> !u.isEmpty())
            .toList();
    if (uris.isEmpty())
      problem(Part.CONNECTION, "broker.uris is empty (tcp://host:1883 or ssl://host:8883)");
    for (String uri : uris) {
      String problem = uriProblem(uri);
      if (problem != null)
        problem(Part.CONNECTION, "broker.uris: '" + Topics.shown(uri) + "' " + problem);
    }
    return uris;
  }

  /** What Paho's URI check would throw on, as one line. */
  static String uriProblem(String uri) {
    try {
      URI parsed = new URI(uri);
      String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
      if (!List.of("tcp", "ssl", "ws", "wss").contains(scheme))
        return "is not tcp://, ssl://, ws:// or wss://";
      if (parsed.getHost() == null || parsed.getHost().isEmpty()) return "has no host";
      if (parsed.getPort() > 65_535) return "has a port past 65535";
      return null;
    } catch (URISyntaxException e) {
      return "is not a URI (" + e.getReason() + ")";
    }
  }

  /** The setting as a path, or null with a problem (a NUL, say, which Path.of throws on). */
  private Path path(Part part, String key, String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      problem(part, key + "='" + Topics.shown(value) + "' is not a path (" + e.getReason() + ")");
      return null;
    }
  }

  private static String utf8Problem(String text) {
    String problem = Topics.characterProblem(text);
    if (problem != null) return problem;
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    return bytes > Topics.MAX_TOPIC_BYTES
        ? "is " + bytes + " bytes of UTF-8 (at most 65535)"
        : null;
  }

  private SSLSocketFactory tls(MqttConfig config) {
    boolean anySsl =
        brokerUris.stream().anyMatch(u -> u.startsWith("ssl://") || u.startsWith("wss://"));
    String ca = config.tls_ca_file().trim();
    String cert = config.tls_cert_file().trim();
    String key = config.tls_key_file().trim();
    if (!anySsl && ca.isEmpty() && cert.isEmpty()) return null;
    if (cert.isEmpty() != key.isEmpty()) {
      problem(Part.CONNECTION, "tls.cert.file and tls.key.file go together (one is empty)");
      return null;
    }
    for (String[] file :
        new String[][] {{"tls.ca.file", ca}, {"tls.cert.file", cert}, {"tls.key.file", key}}) {
      if (file[1].isEmpty()) continue;
      Path path = path(Part.CONNECTION, file[0], file[1]);
      if (path == null) return null;
      if (!Files.isReadable(path)) {
        problem(
            Part.CONNECTION, file[0] + "='" + Topics.shown(file[1]) + "' is not a readable file");
        return null;
      }
    }
    try {
      return PemTls.socketFactory(ca, cert, key);
    } catch (
        Exception
            e) { // a malformed PEM throws IllegalArgumentException as well as security exceptions
      problem(Part.CONNECTION, "TLS files: " + e.getMessage());
      return null;
    }
  }
}
