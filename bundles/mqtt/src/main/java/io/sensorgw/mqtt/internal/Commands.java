package io.sensorgw.mqtt.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.Calibratable;
import io.sensorgw.api.Sensor;
import io.sensorgw.format.ReadingFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.EnumMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT commands: {@code <prefix>/<sensor>/cmd/read|calibrate} and {@code <prefix>/cmd/config}, each
 * answered on {@code <request topic>/result} with {@code {"id", "status", "body"}}.
 *
 * <p>Paho's callback thread only checks the topic, takes a token and queues the request: the JSON,
 * the sensor and ConfigAdmin are dealt with on this class's own thread, and a read or a calibration
 * completes on the sensor's executor, so no MQTT thread ever waits on hardware. At most {@link
 * #MAX_PENDING} commands are open at a time; beyond that a request is only counted (an answer would
 * cost as much as the flood).
 */
final class Commands {
  private static final Logger LOG = LoggerFactory.getLogger(Commands.class);
  static final int MAX_PENDING = 64;
  private static final int MAX_REASON_CHARS = 200;

  /** A result's status; {@code name} is what the result says. */
  enum Status {
    OK,
    BAD_REQUEST,
    UNKNOWN_SENSOR,
    UNKNOWN_VERB,
    UNSUPPORTED,
    UNKNOWN_PID,
    FORBIDDEN,
    RATE_LIMITED,
    FAILED;

    String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Why a command fails: its status and a one-line reason. */
  static final class Refusal extends Exception {
    final Status status;

    Refusal(Status status, String reason) {
      super(reason, null, false, false);
      this.status = status;
    }
  }

  private final ObjectMapper mapper = new ObjectMapper();
  private final Topics topics;
  private final Map<String, Set<String>> configAllowed;
  private final long timeoutMs;
  private final Function<String, Sensor> sensorBySegment;
  private final Supplier<ConfigurationAdmin> configAdmin;
  private final BiConsumer<String, byte[]> replies;
  private final TokenBucket bucket;
  private final ScheduledThreadPoolExecutor executor;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong malformedTopics = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final Map<Status, AtomicLong> answered = new EnumMap<>(Status.class);

  /**
   * @param sensorBySegment the sensor whose id, made a topic level, is the argument; or null
   * @param replies publishes a result (topic, JSON): through the spool, as telemetry
   */
  Commands(
      MqttSettings settings,
      Function<String, Sensor> sensorBySegment,
      Supplier<ConfigurationAdmin> configAdmin,
      BiConsumer<String, byte[]> replies) {
    this.topics = settings.topics;
    this.configAllowed = settings.configAllowed;
    this.timeoutMs = settings.commandsTimeoutMs;
    this.sensorBySegment = sensorBySegment;
    this.configAdmin = configAdmin;
    this.replies = replies;
    this.bucket =
        new TokenBucket(settings.commandsRatePerS, settings.commandsBurst, System::nanoTime);
    for (Status status : Status.values()) answered.put(status, new AtomicLong());
    executor =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread thread = new Thread(task, "sensorgw-mqtt-commands");
              thread.setDaemon(true);
              return thread;
            });
    executor.setRemoveOnCancelPolicy(true); // timeouts of finished commands do not pile up
  }

  /** What to subscribe to: every command shape, and wrong ones so that they are counted. */
  String[] filters() {
    return new String[] {topics.prefix() + "/+/cmd/#", topics.prefix() + "/cmd/#"};
  }

  /** On Paho's callback thread: returns at once, whatever arrives. */
  void arrived(String topic, byte[] payload) {
    if (CommandRules.isResult(topic)) return; // our own answer, back through the subscription
    received.incrementAndGet();
    CommandRules.Target target = CommandRules.target(topics.prefix(), topic);
    if (target == null) { // no request topic to answer on that would not be another wrong topic
      malformedTopics.incrementAndGet();
      return;
    }
    if (pending.incrementAndGet() > MAX_PENDING) {
      pending.decrementAndGet();
      dropped.incrementAndGet();
      return;
    }
    boolean allowed = bucket.tryTake();
    try {
      executor.execute(
          () -> {
            if (allowed) {
              handle(topic, target, payload);
            } else {
              answer(
                  topic,
                  idOf(payload),
                  Status.RATE_LIMITED,
                  Map.of("error", "more than the allowed commands per second"));
            }
          });
    } catch (RejectedExecutionException stopping) {
      pending.decrementAndGet();
    }
  }

  /** The id of a request that is refused unread: only when the payload is small and has one. */
  private String idOf(byte[] payload) {
    if (payload.length > CommandRules.MAX_PAYLOAD_BYTES) return null;
    try {
      JsonNode id = mapper.readTree(payload).path("id");
      return id.isTextual() && CommandRules.idProblem(id.asText()) == null ? id.asText() : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** On the commands thread: checks the request and starts it; the answer comes when it is done. */
  private void handle(String topic, CommandRules.Target target, byte[] payload) {
    String id = null;
    try {
      if (payload.length > CommandRules.MAX_PAYLOAD_BYTES) {
        throw new Refusal(
            Status.BAD_REQUEST,
            "payload is "
                + payload.length
                + " bytes (at most "
                + CommandRules.MAX_PAYLOAD_BYTES
                + ")");
      }
      JsonNode request;
      try {
        request = mapper.readTree(payload);
      } catch (IOException e) {
        throw new Refusal(Status.BAD_REQUEST, "payload is not JSON");
      }
      if (request == null || !request.isObject())
        throw new Refusal(Status.BAD_REQUEST, "payload is not a JSON object");
      JsonNode idNode = request.get("id");
      if (idNode == null || !idNode.isTextual())
        throw new Refusal(Status.BAD_REQUEST, "id (a string) is missing");
      String problem = CommandRules.idProblem(idNode.asText());
      if (problem != null) throw new Refusal(Status.BAD_REQUEST, problem);
      id = idNode.asText();
      String answerId = id;
      start(target, request)
          .whenCompleteAsync(
              (body, failure) -> {
                if (failure == null) {
                  answer(topic, answerId, Status.OK, body);
                } else {
                  Throwable cause =
                      failure instanceof CompletionException && failure.getCause() != null
                          ? failure.getCause()
                          : failure;
                  Status status = cause instanceof Refusal refusal ? refusal.status : Status.FAILED;
                  answer(topic, answerId, status, error(cause));
                }
              },
              executor);
    } catch (Refusal refusal) {
      answer(topic, id, refusal.status, error(refusal));
    } catch (RuntimeException e) { // a bug here must cost one answer, not the commands thread
      LOG.warn("MQTT: a command on {} failed", Topics.shown(topic), e);
      answer(topic, id, Status.FAILED, error(e));
    }
  }

  private static Map<String, Object> error(Throwable cause) {
    String reason =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    if (reason.length() > MAX_REASON_CHARS) reason = reason.substring(0, MAX_REASON_CHARS) + "...";
    return Map.of("error", reason);
  }

  /**
   * The command's work; completes with the result's body, or fails with a {@link Refusal} or a
   * cause.
   */
  private CompletableFuture<Object> start(CommandRules.Target target, JsonNode request)
      throws Refusal {
    if (target.config()) {
      if (!target.verb().equals("config"))
        throw new Refusal(
            Status.UNKNOWN_VERB, "unknown command '" + shown(target.verb()) + "' (config)");
      return CompletableFuture.completedFuture(configure(request));
    }
    Sensor sensor = sensorBySegment.apply(target.sensorSegment());
    if (sensor == null)
      throw new Refusal(Status.UNKNOWN_SENSOR, "no sensor '" + shown(target.sensorSegment()) + "'");
    String sensorId = sensor.info().id();
    switch (target.verb()) {
      case "read":
        return bounded(sensor.read(), "read").thenApply(ReadingFormat::reading);
      case "calibrate":
        if (!(sensor instanceof Calibratable calibratable)) {
          throw new Refusal(Status.UNSUPPORTED, "sensor '" + sensorId + "' cannot be calibrated");
        }
        int samples = samples(request);
        return bounded(calibratable.calibrate(samples), "calibration")
            .thenApply(
                offsets -> {
                  Map<String, Object> body = new LinkedHashMap<>();
                  body.put("sensor", sensorId);
                  body.put("samples", samples);
                  body.put("offsets", ReadingFormat.values(offsets));
                  return body;
                });
      default:
        throw new Refusal(
            Status.UNKNOWN_VERB,
            "unknown command '" + shown(target.verb()) + "' (read, calibrate)");
    }
  }

  private static String shown(String level) {
    return Topics.shown(level.length() > 64 ? level.substring(0, 64) : level);
  }

  private static int samples(JsonNode request) throws Refusal {
    JsonNode node = request.get("samples");
    if (node == null) return CommandRules.DEFAULT_SAMPLES;
    if (!node.canConvertToInt()
        || !node.isIntegralNumber()
        || node.asInt() < CommandRules.MIN_SAMPLES
        || node.asInt() > CommandRules.MAX_SAMPLES) {
      throw new Refusal(
          Status.BAD_REQUEST,
          "samples must be a whole number from "
              + CommandRules.MIN_SAMPLES
              + " to "
              + CommandRules.MAX_SAMPLES);
    }
    return node.asInt();
  }

  /**
   * The sensor's stage, copied into one of ours that fails after the timeout: the sensor's own
   * stage (shared by concurrent readers) is never completed from here.
   */
  private <T> CompletableFuture<T> bounded(CompletionStage<T> stage, String what) {
    CompletableFuture<T> result = new CompletableFuture<>();
    ScheduledFuture<?> timeout =
        executor.schedule(
            () ->
                result.completeExceptionally(
                    new Refusal(Status.FAILED, what + " not done within " + timeoutMs + " ms")),
            timeoutMs,
            TimeUnit.MILLISECONDS);
    stage.whenComplete(
        (value, failure) -> {
          timeout.cancel(false);
          if (failure == null) result.complete(value);
          else result.completeExceptionally(failure);
        });
    return result;
  }

  /**
   * {@code {"id", "pid", "properties": {key: value}}}: sets allowed keys through ConfigAdmin. The
   * pid is a PID, or for a factory configuration (whose PID ConfigAdmin makes up) the name of its
   * file in {@code config/} without the extension, e.g. {@code io.sensorgw.device.tfluna-lidar}.
   */
  private Map<String, Object> configure(JsonNode request) throws Refusal {
    JsonNode pidNode = request.get("pid");
    if (pidNode == null
        || !pidNode.isTextual()
        || pidNode.asText().isEmpty()
        || pidNode.asText().length() > 256) {
      throw new Refusal(Status.BAD_REQUEST, "pid (a string of 1 to 256 characters) is missing");
    }
    String pid = pidNode.asText();
    JsonNode properties = request.get("properties");
    if (properties == null || !properties.isObject() || properties.isEmpty()) {
      throw new Refusal(Status.BAD_REQUEST, "properties (an object of key: value) is missing");
    }
    if (properties.size() > CommandRules.MAX_KEYS) {
      throw new Refusal(
          Status.BAD_REQUEST, "at most " + CommandRules.MAX_KEYS + " properties at a time");
    }
    Set<String> allowedKeys = configAllowed.getOrDefault(pid, Set.of());
    List<String> keys = new ArrayList<>();
    properties.fieldNames().forEachRemaining(keys::add);
    for (String key : keys) {
      String denied = CommandRules.deniedKey(key);
      if (denied != null) throw new Refusal(Status.FORBIDDEN, "key '" + shown(key) + "' " + denied);
      if (!allowedKeys.contains(key)) {
        throw new Refusal(
            Status.FORBIDDEN,
            "key '" + shown(key) + "' of '" + shown(pid) + "' is not in commands.config.allow");
      }
      JsonNode value = properties.get(key);
      if (!value.isValueNode() || value.isNull()) {
        throw new Refusal(
            Status.BAD_REQUEST, "key '" + shown(key) + "': a string, number or boolean");
      }
    }
    ConfigurationAdmin admin = configAdmin.get();
    if (admin == null) throw new Refusal(Status.FAILED, "configuration admin is not available");
    try {
      String escaped = filterEscaped(pid);
      Configuration[] found = admin.listConfigurations("(service.pid=" + escaped + ")");
      if (found == null
          || found.length == 0) { // a factory configuration, by the name of its file in config/
        found =
            admin.listConfigurations(
                "(|(felix.fileinstall.filename=*/"
                    + escaped
                    + ".cfg)(felix.fileinstall.filename=*/"
                    + escaped
                    + ".config))");
      }
      if (found == null || found.length == 0)
        throw new Refusal(Status.UNKNOWN_PID, "no configuration '" + shown(pid) + "'");
      if (found.length > 1)
        throw new Refusal(
            Status.FAILED, "'" + shown(pid) + "' names " + found.length + " configurations");
      Configuration configuration = found[0];
      Dictionary<String, Object> current = configuration.getProperties();
      Dictionary<String, Object> updated = new Hashtable<>();
      if (current != null) {
        for (var e = current.keys(); e.hasMoreElements(); ) {
          String key = e.nextElement();
          updated.put(key, current.get(key));
        }
      }
      for (String key : keys) updated.put(key, typed(key, properties.get(key), updated.get(key)));
      configuration.update(updated);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("pid", pid);
      body.put("updated", keys);
      return body;
    } catch (IOException | org.osgi.framework.InvalidSyntaxException | IllegalStateException e) {
      throw new Refusal(
          Status.FAILED,
          "configuration '" + shown(pid) + "' could not be updated: " + e.getMessage());
    }
  }

  /**
   * A JSON value as the key's present type (a .config file's Integer stays an Integer); else as
   * JSON has it.
   */
  private static Object typed(String key, JsonNode value, Object present) throws Refusal {
    String text = value.asText();
    try {
      if (present instanceof Integer)
        return value.isNumber() ? value.intValue() : Integer.valueOf(text.trim());
      if (present instanceof Long)
        return value.isNumber() ? value.longValue() : Long.valueOf(text.trim());
      if (present instanceof Double || present instanceof Float)
        return value.isNumber() ? value.doubleValue() : Double.valueOf(text.trim());
      if (present instanceof Boolean) {
        if (value.isBoolean()) return value.booleanValue();
        if (text.equals("true") || text.equals("false")) return Boolean.valueOf(text);
        throw new NumberFormatException();
      }
      if (present instanceof String) return text;
      if (present != null)
        throw new Refusal(
            Status.BAD_REQUEST, "key '" + shown(key) + "' is a list: not settable by command");
    } catch (NumberFormatException e) {
      throw new Refusal(
          Status.BAD_REQUEST,
          "key '" + shown(key) + "' must be a " + present.getClass().getSimpleName());
    }
    if (value.isBoolean()) return value.booleanValue();
    if (value.isIntegralNumber()) return value.longValue();
    if (value.isNumber()) return value.doubleValue();
    return text;
  }

  private static String filterEscaped(String value) {
    return value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("*", "\\*");
  }

  private void answer(String requestTopic, String id, Status status, Object body) {
    try {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("id", id);
      result.put("status", status.code());
      result.put("body", body);
      replies.accept(requestTopic + "/result", mapper.writeValueAsBytes(result));
      answered.get(status).incrementAndGet();
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "MQTT: could not answer a command on {}: {}", Topics.shown(requestTopic), e.toString());
    } finally {
      pending.decrementAndGet();
    }
  }

  /** Counters for /metrics, by name (commandsOk, commandsBadRequest, ...). */
  Map<String, Number> metrics() {
    Map<String, Number> figures = new LinkedHashMap<>();
    figures.put("commandsReceived", received.get());
    figures.put("commandsMalformedTopic", malformedTopics.get());
    figures.put("commandsDropped", dropped.get());
    figures.put("commandsPending", pending.get());
    for (Status status : Status.values()) {
      StringBuilder name = new StringBuilder("commands");
      for (String word : status.code().split("_"))
        name.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
      figures.put(name.toString(), answered.get(status).get());
    }
    return figures;
  }

  /** Stops taking commands; open ones get no answer (their sensors may still finish them). */
  void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
