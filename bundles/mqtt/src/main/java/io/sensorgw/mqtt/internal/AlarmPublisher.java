package io.sensorgw.mqtt.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.Alarm;
import io.sensorgw.api.Alarms;
import io.sensorgw.format.ReadingFormat;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alarms to MQTT: {@code <prefix>/alarm/<rule>} retained state and {@code
 * <prefix>/alarm/<rule>/event} per change, both through the spool (as telemetry: nothing accepted
 * is lost), and a Home Assistant {@code binary_sensor} per rule when discovery is on. {@link
 * #accept} only queues: the alarms bundle's thread never waits on a disk.
 */
final class AlarmPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(AlarmPublisher.class);

  /** Alarm changes queued before the spool takes them; beyond it they are dropped and counted. */
  static final int QUEUE_CAPACITY = 10_000;

  /** Where a message goes: through the spool, as telemetry. */
  interface Sink {
    void append(String topic, byte[] payload, int qos, boolean retain);
  }

  private final ObjectMapper mapper = new ObjectMapper();
  private final Topics topics;
  private final HomeAssistant homeAssistant; // null: discovery off
  private final Sink sink;
  private final ThreadPoolExecutor executor;
  private final Set<String> discovered = ConcurrentHashMap.newKeySet();

  /** The alarms bundle's rules at the last look; written on the executor only. */
  private volatile Set<String> knownRules = Set.of();

  private final AtomicLong published = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  AlarmPublisher(Topics topics, HomeAssistant homeAssistant, Sink sink) {
    this.topics = topics;
    this.homeAssistant = homeAssistant;
    this.sink = sink;
    executor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE_CAPACITY),
            task -> {
              Thread thread = new Thread(task, "sensorgw-mqtt-alarms");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Returns at once: the alarm is queued (or, past the queue's bound, counted as dropped). */
  void accept(Alarm alarm) {
    try {
      executor.execute(() -> publish(alarm));
    } catch (RejectedExecutionException full) {
      dropped.incrementAndGet();
    }
  }

  /** The JSON of an alarm, as everywhere else: {@link ReadingFormat#alarm}. */
  static Map<String, Object> json(Alarm alarm) {
    return ReadingFormat.alarm(alarm);
  }

  /**
   * The alarm rules as the alarms bundle has them now (from the housekeeping tick): a Home
   * Assistant entity for each new one, and for each rule deleted since, its entity removed (an
   * empty retained config, as Home Assistant's discovery asks) and its retained state cleared.
   * Queued like an alarm; never waits.
   */
  void followRules(List<Alarms.Rule> rules) {
    if (homeAssistant == null) return;
    Map<String, String> sensorByRule = new HashMap<>();
    for (Alarms.Rule rule : rules) sensorByRule.put(rule.name(), rule.sensorId());
    if (sensorByRule.keySet().equals(knownRules)) return; // nothing new, nothing deleted: no task
    try {
      executor.execute(
          () -> {
            sensorByRule.forEach(this::discover);
            // Only a rule the alarms bundle had and has no more: an alarm from another source (any
            // AlarmListener may be told of one) keeps its entity.
            for (String gone : knownRules) {
              if (!sensorByRule.containsKey(gone) && discovered.remove(gone)) {
                sink.append(homeAssistant.alarmConfigTopic(gone), new byte[0], 1, true);
                sink.append(topics.alarm(gone), new byte[0], 1, true);
                LOG.info(
                    "MQTT: alarm rule {} deleted: its Home Assistant entity removed",
                    Topics.shown(gone));
              }
            }
            knownRules = Set.copyOf(sensorByRule.keySet());
          });
    } catch (RejectedExecutionException full) {
      dropped.incrementAndGet(); // the next tick tries again
    }
  }

  /** On the executor: the rule's Home Assistant entity, once. */
  private void discover(String rule, String sensorId) {
    if (homeAssistant == null || discovered.contains(rule)) return;
    try {
      sink.append(
          homeAssistant.alarmConfigTopic(rule),
          mapper.writeValueAsBytes(homeAssistant.alarmConfig(rule, sensorId)),
          1,
          true);
      discovered.add(rule);
    } catch (IOException | RuntimeException e) {
      dropped.incrementAndGet();
      LOG.warn(
          "MQTT: alarm rule {}: its discovery config could not be published: {}",
          Topics.shown(rule),
          e.toString());
    }
  }

  private void publish(Alarm alarm) {
    try {
      discover(alarm.rule(), alarm.sensorId());
      byte[] json = mapper.writeValueAsBytes(json(alarm));
      sink.append(topics.alarm(alarm.rule()), json, 1, true);
      sink.append(topics.alarmEvent(alarm.rule()), json, 1, false);
      published.incrementAndGet();
    } catch (IOException | RuntimeException e) {
      dropped.incrementAndGet();
      LOG.warn(
          "MQTT: alarm {} could not be published: {}", Topics.shown(alarm.rule()), e.toString());
    }
  }

  Map<String, Number> metrics() {
    return Map.of("alarmsPublished", published.get(), "alarmsDropped", dropped.get());
  }

  /** Publishes what is queued (a bounded wait), then stops. */
  void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(2, TimeUnit.SECONDS)) executor.shutdownNow();
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
