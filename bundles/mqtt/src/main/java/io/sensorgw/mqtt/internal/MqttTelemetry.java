package io.sensorgw.mqtt.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.Alarm;
import io.sensorgw.api.AlarmListener;
import io.sensorgw.api.Alarms;
import io.sensorgw.api.Calibratable;
import io.sensorgw.api.HealthSource;
import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.Value;
import io.sensorgw.format.ReadingFormat;
import io.sensorgw.mqtt.internal.TelemetryHealth.Fault;
import io.sensorgw.reporting.Reporter;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT telemetry: a {@link ReadingListener} (its own thread and queue, so it never slows a sensor)
 * that appends every reading to the disk {@link Spool}; a sender thread publishes the spool in
 * order with Eclipse Paho and commits what the broker acknowledged. Connection loss rewinds the
 * sender to the last commit, so unacknowledged messages are sent again after reconnecting
 * (at-least-once for QoS 1 and 2). A retained {@code status} topic says {@code online}; the broker
 * publishes the last will {@code offline} when the gateway dies.
 *
 * <p>Faults are states ({@link HealthSource}, {@code health.name=mqtt}), never a dead thread or a
 * failed activation: a bad setting, an unwritable spool, a lost broker, a stuck sender and dropped
 * messages each give a one-line reason, and each clears itself when its cause goes. A spooled
 * message that can never be sent (Paho refuses it) is set aside and counted, so it cannot hold back
 * the ones behind it.
 *
 * <p>Active only when configured (PID {@code io.sensorgw.mqtt}): a gateway without a broker does
 * not fill its disk with a spool nobody will read.
 */
@Component(
    service = {ReadingListener.class, MetricsSource.class, HealthSource.class, AlarmListener.class},
    configurationPid = MqttTelemetry.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    property = {MetricsSource.NAME + "=mqtt", HealthSource.NAME + "=mqtt"})
@Designate(ocd = MqttConfig.class)
public class MqttTelemetry
    implements ReadingListener, MetricsSource, HealthSource, AlarmListener, MqttCallbackExtended {
  static final String PID = "io.sensorgw.mqtt";
  private static final Logger LOG = LoggerFactory.getLogger(MqttTelemetry.class);
  private static final byte[] ONLINE = "online".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OFFLINE = "offline".getBytes(StandardCharsets.US_ASCII);

  /**
   * Messages kept in memory while the spool cannot be written (a full disk); then the oldest go.
   */
  static final int HELD_MAX = 10_000;

  /** Distinct causes logged per activation; the counters keep counting past it. */
  private static final int LOGGED_CAUSES_MAX = 100;

  private final ObjectMapper mapper = new ObjectMapper();
  private final MqttSettings settings;
  private final HomeAssistant homeAssistant;
  private final MqttAsyncClient client; // null when a bad setting stops the connection
  private final MqttConnectOptions options;

  /** publish.interval.ms by sensor: the same rule as the drivers' and the reporting rules'. */
  private final Map<String, Reporter> publishing = new ConcurrentHashMap<>();

  /** Sensor id -> discovery config topics published for it (removed with the sensor). */
  private final Map<String, Set<String>> discovered = new ConcurrentHashMap<>();

  private final Map<String, String> models = new ConcurrentHashMap<>();

  /** The bound sensors (commands, expire_after, buttons) and their availability topics. */
  private final SensorAvailability sensors = new SensorAvailability();

  private final Commands commands; // null: commands off
  private final AlarmPublisher alarms;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
  private volatile ConfigurationAdmin configAdmin;

  /**
   * The alarm rules, for their Home Assistant entities; absent while the alarms bundle is not
   * running.
   */
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
  private volatile Alarms alarmRules;

  /** Sensor id -> when its first reading came while its model was not known yet. */
  private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();

  private static final Duration MODEL_WAIT = Duration.ofSeconds(10);

  /** Reconnects (delayed), the spool's periodic sync, retries of the spool, the sender's watch. */
  private final ScheduledExecutorService housekeeping =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "sensorgw-mqtt-housekeeping");
            thread.setDaemon(true);
            thread.setUncaughtExceptionHandler(MqttTelemetry::uncaught);
            return thread;
          });

  private volatile Spool spool; // null until it could be opened
  private volatile Thread sender;

  // The send window, guarded by itself.
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  private long generation;
  private boolean connected;
  private Spool.Position readFrom = new Spool.Position(0, 0);

  /** The end of the last message set aside, so a resend after a rewind does not count it twice. */
  private Spool.Position setAsideUpTo = new Spool.Position(0, 0);

  private volatile boolean running = true;
  private int failedAttempts;
  // Head-of-line isolation (guarded by inFlight): a message the broker will not take (larger than
  // its max_packet_size, say) makes it close the connection, and it would be sent again forever.
  // After LOSSES_BEFORE_PROBING connections lost with something sent and nothing acknowledged,
  // messages go one at a time; if the connection is lost again with only the oldest in flight,
  // that message is set aside (counted in deadLetters) when the next connection reaches it.
  static final int LOSSES_BEFORE_PROBING = 2;
  private boolean sentSinceConnect;
  private boolean ackedSinceConnect;
  private int lossesWithoutProgress;
  private boolean probing;
  private Spool.Position poisonAt;
  private volatile String lastError = "";

  /** Messages the spool has not taken yet (it cannot be written); guarded by itself. */
  private final ArrayDeque<Outgoing> held = new ArrayDeque<>();

  private volatile int heldCount; // held.size(), for readers that must not wait on a disk write
  private long lastHeldAttemptNanos; // guarded by held

  // State, for health(); the clocks are System.nanoTime(), the instants wall time for reasons.
  private volatile boolean everConnected;
  private volatile Fault disconnected;
  private volatile Fault spoolUnavailable;
  private volatile Fault spoolUnwritable;
  private volatile Fault spoolUnsynced;
  private volatile long senderBeatNanos = System.nanoTime();
  private volatile long progressNanos = System.nanoTime();
  private volatile long senderFailureNanos;
  private volatile String senderFailure = "";
  private volatile long dropNanos;
  private volatile String dropCause = "";
  private static final String[] SPOOL_LOSSES = {
    "spoolDroppedFull", "spoolDroppedOld", "spoolCorrupt", "spoolTornTails"
  };
  private final long[] spoolLossesSeen = new long[SPOOL_LOSSES.length]; // housekeeping only
  private long ticksWithoutSpool; // housekeeping only
  private final Set<String> loggedCauses = ConcurrentHashMap.newKeySet();

  private final AtomicLong published = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  private final AtomicLong connectFailures = new AtomicLong();
  private final AtomicLong spoolErrors = new AtomicLong();
  private final AtomicLong setAside = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong heldDropped = new AtomicLong();
  private final AtomicLong senderFailures = new AtomicLong();

  /** A message handed to Paho (or set aside) and not yet committed. */
  private static final class InFlight {
    final long generation;
    final Spool.Position next;
    boolean acked;

    InFlight(long generation, Spool.Position next) {
      this.generation = generation;
      this.next = next;
    }
  }

  /** A message on its way into the spool. */
  private record Outgoing(String topic, byte[] payload, int qos, boolean retain) {}

  @Activate
  public MqttTelemetry(MqttConfig config) {
    this.settings = new MqttSettings(config, MqttTelemetry::hostName);
    this.homeAssistant =
        new HomeAssistant(settings.homeAssistantPrefix, settings.gatewayId, settings.topics);
    if (!settings.problems().isEmpty()) {
      // One line: what is wrong and what stops because of it.
      LOG.error("MQTT: bad settings ({}): {}", stopped(), String.join("; ", settings.problems()));
    }
    if (!settings.stops(MqttSettings.Part.READINGS)) openSpool();
    this.alarms =
        new AlarmPublisher(settings.topics, discovery() ? homeAssistant : null, this::spoolAppend);
    this.commands =
        settings.commandsEnabled
                && !settings.stops(MqttSettings.Part.COMMANDS)
                && !settings.stops(MqttSettings.Part.READINGS)
            ? new Commands(
                settings,
                sensors::bySegment,
                () -> configAdmin,
                (topic, json) -> spoolAppend(topic, json, 1, false))
            : null;
    if (discovery() && !settings.stops(MqttSettings.Part.READINGS)) {
      try { // the gateway's device, which each sensor's device points to
        spoolAppend(
            homeAssistant.gatewayConfigTopic(),
            mapper.writeValueAsBytes(homeAssistant.gatewayConfig()),
            1,
            true);
      } catch (IOException e) {
        drop("the gateway's discovery config could not be written as JSON");
      }
    }
    MqttAsyncClient created = null;
    this.options = new MqttConnectOptions();
    if (!settings.stops(MqttSettings.Part.READINGS)
        && !settings.stops(MqttSettings.Part.CONNECTION)) {
      try {
        created =
            new MqttAsyncClient(
                settings.brokerUris.get(0), settings.clientId, new MemoryPersistence());
        created.setCallback(this);
        options.setServerURIs(settings.brokerUris.toArray(String[]::new));
      } catch (MqttException | RuntimeException e) { // Paho's own checks of the URIs and client id
        LOG.error("MQTT: cannot create the client for {}: {}", settings.brokerUris, e.toString());
        lastError = describe(e);
        created = null;
      }
    }
    this.client = created;
    options.setCleanSession(true); // the spool, not the broker session, keeps what is unsent
    options.setAutomaticReconnect(false); // our own backoff with jitter
    options.setKeepAliveInterval(settings.keepAliveS);
    options.setMaxInflight(settings.maxInflight);
    options.setConnectionTimeout(10);
    options.setWill(settings.topics.status(), OFFLINE, 1, true);
    if (!settings.username.isEmpty()) {
      options.setUserName(settings.username);
      options.setPassword(settings.password);
    }
    if (settings.socketFactory != null) options.setSocketFactory(settings.socketFactory);
    housekeeping.scheduleWithFixedDelay(
        guarded("housekeeping", this::tick), 1, 1, TimeUnit.SECONDS);
    if (client != null) {
      startSender();
      LOG.info(
          "MQTT: publishing to {} under {}/ (spool {} pending)",
          String.join(", ", settings.brokerUris),
          settings.prefix,
          spool == null ? "not open" : spool.pending());
      connect();
    } else if (!settings.stops(MqttSettings.Part.READINGS)) {
      LOG.warn(
          "MQTT: not connecting until the settings are fixed; readings are kept in the spool meanwhile");
    }
  }

  private String stopped() {
    List<String> effects = new ArrayList<>();
    if (settings.stops(MqttSettings.Part.READINGS)) effects.add("no reading is accepted");
    else if (settings.stops(MqttSettings.Part.CONNECTION))
      effects.add("readings are spooled, none is sent");
    if (settings.stops(MqttSettings.Part.DISCOVERY)) effects.add("Home Assistant discovery is off");
    if (settings.stops(MqttSettings.Part.COMMANDS)) effects.add("commands are off");
    return String.join(", ", effects);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "gateway";
    }
  }

  private static void uncaught(Thread thread, Throwable e) {
    LOG.error("MQTT: {} died", thread.getName(), e);
  }

  /** A periodic task that survives its own failures (an executor cancels one that throws). */
  private Runnable guarded(String what, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable e) {
        if (firstOf("task " + what + " " + e))
          LOG.error("MQTT: {} failed; it runs again in a second", what, e);
      }
    };
  }

  /** True the first time a cause is seen in this activation: one log line per cause. */
  private boolean firstOf(String cause) {
    return loggedCauses.size() < LOGGED_CAUSES_MAX && loggedCauses.add(cause);
  }

  private void drop(String cause) {
    dropCause = cause;
    dropNanos = System.nanoTime();
  }

  // --- The spool ---

  private void openSpool() {
    try {
      Spool opened =
          new Spool(
              settings.spoolDir, settings.spoolMaxBytes, settings.spoolMaxAge, Clock.systemUTC());
      synchronized (inFlight) {
        readFrom = opened.committed();
        spool = opened;
        inFlight.notifyAll();
      }
      if (spoolUnavailable != null) LOG.info("MQTT: the spool {} is open again", settings.spoolDir);
      spoolUnavailable = null;
    } catch (IOException | RuntimeException e) {
      String reason = "cannot open the spool " + settings.spoolDir + ": " + e;
      if (spoolUnavailable == null) {
        LOG.error(
            "MQTT: {}; readings are held in memory (up to {}) and it is tried again every 5 s",
            reason,
            HELD_MAX);
        spoolUnavailable = new Fault(reason, Instant.now());
      }
    }
  }

  /** Once a second: retries of the spool, its sync, its losses, and the sender's watch. */
  private void tick() {
    if (!settings.stops(MqttSettings.Part.READINGS)) {
      sensors.changes(
          (id, online) ->
              spoolAppend(settings.topics.availability(id), online ? ONLINE : OFFLINE, 1, true));
      Alarms rules = alarmRules;
      if (rules != null) alarms.followRules(rules.rules());
    }
    Spool current = spool;
    if (current == null) {
      if (!settings.stops(MqttSettings.Part.READINGS) && ++ticksWithoutSpool % 5 == 0) openSpool();
      return;
    }
    flushHeld(true);
    try {
      current.sync();
      if (spoolUnsynced != null) LOG.info("MQTT: the spool syncs again");
      spoolUnsynced = null;
    } catch (IOException e) {
      spoolErrors.incrementAndGet();
      if (spoolUnsynced == null) {
        LOG.warn("MQTT: syncing the spool failed: {}", e.toString());
        spoolUnsynced = new Fault(e.toString(), Instant.now());
      }
    }
    noticeSpoolLosses(current.figures());
    Thread thread = sender;
    if (running && thread != null && !thread.isAlive()) {
      senderFailures.incrementAndGet();
      LOG.error("MQTT: the sender thread ended; starting it again");
      startSender();
    }
  }

  /**
   * Messages the spool dropped or found damaged since the last look: a state, and a line per cause.
   */
  private void noticeSpoolLosses(Map<String, Number> figures) {
    for (int i = 0; i < SPOOL_LOSSES.length; i++) {
      long count = figures.get(SPOOL_LOSSES[i]).longValue();
      if (count == spoolLossesSeen[i]) continue;
      spoolLossesSeen[i] = count;
      String cause =
          switch (i) {
            case 0 ->
                "the spool is full (spool.max.mb="
                    + (settings.spoolMaxBytes >> 20)
                    + "): the oldest unsent messages were dropped";
            case 1 ->
                "unsent messages older than spool.max.age.h="
                    + settings.spoolMaxAge.toHours()
                    + " were dropped";
            case 2 -> "damaged spool records were skipped";
            default -> "an unfinished record was cut from the end of the spool";
          };
      // The spool logs each damaged stretch and cut itself, with its file and offset.
      if (i < 2 && firstOf(cause)) LOG.warn("MQTT: {} ({} so far)", cause, count);
      drop(cause + " (" + SPOOL_LOSSES[i] + " " + count + ")");
    }
  }

  private void spoolAppend(String topic, byte[] payload, int qos, boolean retain) {
    synchronized (held) {
      if (held.size() >= HELD_MAX) {
        held.pollFirst();
        heldDropped.incrementAndGet();
        String cause =
            "the spool cannot be written and " + HELD_MAX + " messages are already held in memory";
        if (firstOf(cause)) LOG.error("MQTT: {}: dropping the oldest", cause);
        drop(cause);
      }
      held.addLast(new Outgoing(topic, payload, qos, retain));
      heldCount = held.size();
      flushHeld(false);
    }
  }

  /**
   * Moves held messages into the spool, oldest first. While appends fail (a full disk) they are
   * tried at most once a second, so a full disk is not hammered by every reading.
   */
  private void flushHeld(boolean retry) {
    synchronized (held) {
      Spool current = spool;
      if (current == null || held.isEmpty()) return;
      long now = System.nanoTime();
      if (spoolUnwritable != null
          && !retry
          && now - lastHeldAttemptNanos < TimeUnit.SECONDS.toNanos(1)) return;
      lastHeldAttemptNanos = now;
      while (!held.isEmpty()) {
        Outgoing message = held.peekFirst();
        try {
          current.append(message.topic(), message.payload(), message.qos(), message.retain());
          held.pollFirst();
          heldCount = held.size();
          if (spoolUnwritable != null) {
            LOG.info("MQTT: the spool takes messages again ({} held in memory)", held.size() + 1);
            spoolUnwritable = null;
          }
        } catch (IllegalArgumentException e) { // can never be published: refused, not spooled
          held.pollFirst();
          heldCount = held.size();
          refused.incrementAndGet();
          String cause = "refused a message: " + e.getMessage();
          if (firstOf(cause)) LOG.warn("MQTT: {} ({})", cause, Topics.shown(message.topic()));
          drop(cause);
        } catch (java.nio.channels.ClosedByInterruptException e) {
          return; // the caller was interrupted (stopping), not the disk: kept, retried or flushed
          // at stop
        } catch (IOException e) {
          spoolErrors.incrementAndGet();
          if (spoolUnwritable == null) {
            LOG.error(
                "MQTT: cannot write the spool {} ({}); holding messages in memory (up to {}) and retrying every second",
                settings.spoolDir,
                e.toString(),
                HELD_MAX);
            spoolUnwritable = new Fault(e.toString(), Instant.now());
          }
          return;
        }
      }
    }
  }

  // --- Sensors, for discovery ---

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addSensor(Sensor sensor, Map<String, Object> properties) {
    Object id = properties.get(Sensor.SENSOR_ID);
    Object model = properties.get(Sensor.SENSOR_MODEL);
    if (id != null) models.put(id.toString(), model == null ? "" : model.toString());
    if (id != null) sensors.add(id.toString(), sensor);
  }

  void removeSensor(Sensor sensor, Map<String, Object> properties) {
    Object id = properties.get(Sensor.SENSOR_ID);
    if (id == null) return;
    models.remove(id.toString());
    if (sensors.remove(id.toString(), sensor) && running) {
      spoolAppend(settings.topics.availability(id.toString()), OFFLINE, 1, true);
    }
    Set<String> configs = discovered.remove(id.toString());
    if (configs != null && running) {
      for (String topic : configs)
        spoolAppend(topic, new byte[0], 1, true); // empty retained: entity removed
    }
  }

  private boolean discovery() {
    return settings.discovery && !settings.stops(MqttSettings.Part.DISCOVERY);
  }

  // --- Readings in ---

  @Override
  public void onReading(Reading reading) {
    if (settings.stops(MqttSettings.Part.READINGS)) { // the state says why
      refused.incrementAndGet();
      return;
    }
    try {
      long interval =
          settings.intervalBySensor.getOrDefault(reading.sensorId(), settings.publishIntervalMs);
      Reading due =
          publishing
              .computeIfAbsent(
                  reading.sensorId(), id -> Reporter.atMostEvery(Duration.ofMillis(interval)))
              .offer(reading);
      if (due != null) spoolReading(due);
    } catch (
        RuntimeException
            e) { // counted and logged once per cause here, not once per reading by the fan-out
      refused.incrementAndGet();
      String cause = "a reading could not be taken: " + e;
      if (firstOf(cause)) LOG.error("MQTT: {}", cause, e);
      drop(cause);
    }
  }

  private void spoolReading(Reading reading) {
    if (discovery()) discover(reading);
    try {
      byte[] json = mapper.writeValueAsBytes(ReadingFormat.reading(reading));
      int qos = settings.qosBySensor.getOrDefault(reading.sensorId(), settings.qos);
      spoolAppend(settings.topics.reading(reading.sensorId()), json, qos, settings.retain);
    } catch (IOException e) {
      refused.incrementAndGet();
      String cause = "a reading could not be written as JSON";
      if (firstOf(cause)) LOG.warn("MQTT: {}: {}", cause, e.toString());
      drop(cause);
    }
  }

  /**
   * The first reading of a value makes its discovery config; it goes through the spool too. A
   * sensor's first readings can come before its service is bound here; its config waits for the
   * model (a config is published once), at most {@link #MODEL_WAIT}.
   */
  private void discover(Reading reading) {
    if (!models.containsKey(reading.sensorId())) {
      long first = firstSeen.computeIfAbsent(reading.sensorId(), id -> System.nanoTime());
      if (System.nanoTime() - first < MODEL_WAIT.toNanos()) return;
    }
    Set<String> published =
        discovered.computeIfAbsent(reading.sensorId(), id -> ConcurrentHashMap.newKeySet());
    Sensor sensor = sensors.get(reading.sensorId());
    String model = models.getOrDefault(reading.sensorId(), "");
    long expireAfterS =
        sensor == null
            ? 0
            : HomeAssistant.expireAfterSeconds(sensor.info().maxAge(), settings.expireAfterMinS);
    for (Map.Entry<String, Value> value : reading.values().entrySet()) {
      String topic = homeAssistant.configTopic(reading.sensorId(), value.getKey());
      if (!published.add(topic)) continue;
      spoolDiscovery(
          topic,
          homeAssistant.config(
              reading.sensorId(), model, value.getKey(), value.getValue(), expireAfterS));
    }
    if (commands == null) return;
    List<String> verbs =
        sensor instanceof Calibratable ? List.of("read", "calibrate") : List.of("read");
    for (String verb : verbs) {
      String topic = homeAssistant.buttonConfigTopic(reading.sensorId(), verb);
      if (published.add(topic))
        spoolDiscovery(topic, homeAssistant.buttonConfig(reading.sensorId(), model, verb));
    }
  }

  private void spoolDiscovery(String topic, Map<String, Object> config) {
    try {
      spoolAppend(topic, mapper.writeValueAsBytes(config), 1, true);
    } catch (IOException e) {
      refused.incrementAndGet();
      drop("a discovery config could not be written as JSON");
    }
  }

  // --- Alarms ---

  /** Returns at once: the alarm is queued for the spool. */
  @Override
  public void onAlarm(Alarm alarm) {
    if (settings.stops(MqttSettings.Part.READINGS)) { // the state says why
      refused.incrementAndGet();
      return;
    }
    alarms.accept(alarm);
  }

  // --- Connection ---

  private void connect() {
    if (!running) return;
    try {
      client.connect(
          options,
          null,
          new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
              // connectComplete does the rest
            }

            @Override
            public void onFailure(IMqttToken token, Throwable cause) {
              connectFailed(cause);
            }
          });
    } catch (MqttException | RuntimeException e) { // a throw here must not end the reconnect loop
      connectFailed(e);
    }
  }

  private void connectFailed(Throwable cause) {
    try {
      connectFailures.incrementAndGet();
      lastError = describe(cause);
      if (disconnected == null) disconnected = new Fault(lastError, Instant.now());
      else disconnected = new Fault(lastError, disconnected.since());
      scheduleReconnect();
    } catch (RuntimeException e) {
      LOG.error("MQTT: handling a failed connection attempt failed", e);
    }
  }

  private void scheduleReconnect() {
    if (!running) return;
    int attempt;
    synchronized (inFlight) {
      attempt = ++failedAttempts;
    }
    long backoff =
        Math.min(settings.reconnectMaxMs, settings.reconnectMinMs << Math.min(20, attempt - 1));
    long delay = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1); // jitter
    if (attempt == 1 || attempt % 10 == 0) {
      LOG.warn(
          "MQTT: cannot reach {} ({}); retrying in {} ms, {} messages spooled",
          String.join(", ", settings.brokerUris),
          lastError,
          delay,
          pending());
    }
    try {
      housekeeping.schedule(guarded("reconnect", this::connect), delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // stopping
    }
  }

  private static String describe(Throwable cause) {
    if (cause == null) return "unknown cause";
    if (cause instanceof MqttException e
        && e.getReasonCode() == MqttException.REASON_CODE_FAILED_AUTHENTICATION) {
      return "bad user name or password";
    }
    if (cause instanceof MqttException e
        && e.getReasonCode() == MqttException.REASON_CODE_NOT_AUTHORIZED) {
      return "not authorized";
    }
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String message =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return message + (root != cause && root.getMessage() != null ? ": " + root.getMessage() : "");
  }

  @Override
  public void connectComplete(boolean reconnect, String serverURI) {
    try {
      try {
        client.publish(settings.topics.status(), ONLINE, 1, true);
      } catch (MqttException e) {
        LOG.debug("MQTT: could not publish online: {}", e.toString());
      }
      if (commands != null) { // a clean session: subscribe on every connect
        try {
          String[] filters = commands.filters();
          client.subscribe(
              filters, new int[filters.length]); // QoS 0: a command is not replayed late
        } catch (MqttException e) {
          LOG.warn("MQTT: could not subscribe to commands: {}", e.toString());
        }
      }
      synchronized (inFlight) {
        connected = true;
        failedAttempts = 0;
        sentSinceConnect = false;
        ackedSinceConnect = false;
        generation++;
        inFlight.clear();
        if (spool != null) readFrom = spool.committed(); // resend what was not acknowledged
        inFlight.notifyAll();
      }
      progressNanos = System.nanoTime();
      everConnected = true;
      disconnected = null;
      reconnects.incrementAndGet();
      lastError = "";
      LOG.info("MQTT: connected to {}; {} messages to send", serverURI, pending());
    } catch (RuntimeException e) { // Paho's callback thread must survive us
      LOG.error("MQTT: handling the connection failed", e);
    }
  }

  @Override
  public void connectionLost(Throwable cause) {
    try {
      boolean isolated;
      synchronized (inFlight) {
        isolated = isolateHeadOfLine();
        connected = false;
        generation++;
        inFlight.clear();
        if (spool != null) readFrom = spool.committed();
        inFlight.notifyAll();
      }
      if (isolated) {
        LOG.warn(
            "MQTT: the broker closed the connection while only the oldest spooled message was in flight, "
                + "{} times without acknowledging anything: it is set aside when the connection is back",
            LOSSES_BEFORE_PROBING + 1);
      }
      lastError = describe(cause);
      disconnected = new Fault(lastError, Instant.now());
      LOG.warn("MQTT: connection lost ({}); spooling until it is back", lastError);
      scheduleReconnect();
    } catch (RuntimeException e) {
      LOG.error("MQTT: handling the lost connection failed", e);
    }
  }

  /**
   * Called as the connection is lost (holds inFlight): counts losses without progress, starts
   * probing, and names the oldest message as the cause when it was in flight alone. Returns whether
   * it did.
   */
  private boolean isolateHeadOfLine() {
    if (!sentSinceConnect || ackedSinceConnect || spool == null) {
      lossesWithoutProgress = 0;
      probing = false;
      return false;
    }
    lossesWithoutProgress++;
    boolean alone = probing && inFlight.size() == 1 && !inFlight.peekFirst().acked;
    probing = lossesWithoutProgress >= LOSSES_BEFORE_PROBING;
    if (alone && lossesWithoutProgress > LOSSES_BEFORE_PROBING) {
      poisonAt = spool.committed();
      return true;
    }
    return false;
  }

  @Override
  public void messageArrived(String topic, MqttMessage message) {
    Commands current = commands;
    if (current == null) return;
    try {
      current.arrived(
          topic, message.getPayload()); // queues only: this thread never waits on a device
    } catch (RuntimeException e) { // Paho's callback thread must survive us
      if (firstOf("command " + e)) LOG.error("MQTT: taking a command failed", e);
    }
  }

  @Override
  public void deliveryComplete(IMqttDeliveryToken token) {}

  // --- Sending ---

  private void startSender() {
    Thread thread = new Thread(this::sendLoop, "sensorgw-mqtt-sender");
    thread.setDaemon(true);
    thread.setUncaughtExceptionHandler(MqttTelemetry::uncaught);
    senderBeatNanos = System.nanoTime();
    sender = thread;
    thread.start();
  }

  /**
   * The sender thread: the spool in order, up to max in flight at a time. An unexpected exception
   * is logged and the loop goes on from the last acknowledged message (resending is safe; dying
   * would stop telemetry for good), backing off while it repeats.
   */
  private void sendLoop() {
    long backoffMs = 50;
    while (running) {
      try {
        senderBeatNanos = System.nanoTime();
        sendOnce();
        backoffMs = 50;
      } catch (InterruptedException e) {
        if (!running) return;
      } catch (RuntimeException e) {
        senderFailures.incrementAndGet();
        senderFailure = e.toString();
        senderFailureNanos = System.nanoTime();
        if (firstOf("sender " + e)) {
          LOG.error("MQTT: the sender failed; it goes on from the last acknowledged message", e);
        }
        synchronized (inFlight) {
          generation++; // acknowledgements of what was in flight no longer count: it is sent again
          inFlight.clear();
          if (spool != null) readFrom = spool.committed();
        }
        pause(backoffMs);
        backoffMs = Math.min(5000, backoffMs * 2);
      }
    }
  }

  private void sendOnce() throws InterruptedException {
    long sendGeneration;
    Spool.Position from;
    Spool current;
    synchronized (inFlight) {
      current = spool;
      if (current == null
          || !connected
          || inFlight.size() >= (probing ? 1 : settings.maxInflight)) {
        inFlight.wait(500);
        return;
      }
      sendGeneration = generation;
      from = readFrom;
    }
    if (current.pending() == 0) progressNanos = System.nanoTime(); // idle is not stuck
    Spool.Message message;
    try {
      message = current.next(from, Duration.ofMillis(500));
    } catch (IOException e) {
      if (!running) return; // an interrupt at stop closes the channel
      spoolErrors.incrementAndGet();
      if (firstOf("spool read " + e)) LOG.warn("MQTT: reading the spool failed: {}", e.toString());
      pause(50);
      return;
    }
    if (message == null) return;
    InFlight entry = new InFlight(sendGeneration, message.next());
    boolean isolatedCause;
    synchronized (inFlight) {
      if (sendGeneration != generation || !connected) return; // rewound meanwhile
      inFlight.addLast(entry);
      readFrom = message.next();
      sentSinceConnect = true;
      isolatedCause = from.equals(poisonAt);
      if (isolatedCause) poisonAt = null;
    }
    if (isolatedCause) {
      setAside(
          entry,
          message,
          "the broker closed the connection each time it was sent (larger than its "
              + "max_packet_size, or refused by it)");
      return;
    }
    String problem =
        Topics.topicProblem(message.topic()); // e.g. spooled by a version that did not check
    if (problem != null) {
      setAside(entry, message, "topic " + problem);
      return;
    }
    try {
      client.publish(
          message.topic(),
          message.payload(),
          message.qos(),
          message.retain(),
          entry,
          acknowledgement);
      published.incrementAndGet();
    } catch (
        IllegalArgumentException
            e) { // Paho refuses the message itself: sending it again cannot help
      setAside(entry, message, e.getMessage());
    } catch (MqttException e) {
      synchronized (inFlight) { // not sent: send it again from here
        if (entry.generation == generation) rewindTo(from);
      }
      if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) lastError = describe(e);
      pause(50);
    }
  }

  /**
   * A spooled message that can never be sent: counted, logged once per cause, and committed as if
   * acknowledged, so that the ones behind it go on.
   */
  private void setAside(InFlight entry, Spool.Message message, String cause) {
    boolean first;
    synchronized (inFlight) {
      if (entry.generation != generation) return; // rewound: it is read (and set aside) again
      first = message.next().compareTo(setAsideUpTo) > 0;
      if (first) setAsideUpTo = message.next();
    }
    if (first) {
      setAside.incrementAndGet();
      String line = "set aside a spooled message that cannot be sent: " + cause;
      if (firstOf(line)) {
        LOG.warn(
            "MQTT: {} (topic '{}', spool segment {} offset {}); further ones for this cause are only counted (deadLetters)",
            line,
            Topics.shown(message.topic()),
            message.at().segment(),
            message.at().offset());
      }
      drop(line);
    }
    complete(entry);
  }

  /** Drops in-flight entries at or after {@code from}: they are sent again from there. */
  private void rewindTo(Spool.Position from) { // holds inFlight
    inFlight.removeIf(f -> f.next.compareTo(from) > 0);
    readFrom = from;
  }

  private void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** An entry acknowledged (or set aside): commits the prefix of the window that is done. */
  private void complete(InFlight entry) {
    Spool.Position commit = null;
    long count = 0;
    synchronized (inFlight) {
      if (entry.generation != generation) return;
      entry.acked = true;
      while (!inFlight.isEmpty() && inFlight.peekFirst().acked) {
        commit = inFlight.pollFirst().next;
        count++;
      }
      if (count > 0) {
        ackedSinceConnect = true; // the broker takes messages: the losses were not the head's
        lossesWithoutProgress = 0;
        probing = false;
        inFlight.notifyAll();
      }
    }
    Spool current = spool;
    if (commit != null && current != null) {
      current.commit(commit, count);
      progressNanos = System.nanoTime();
    }
  }

  /** Broker acknowledgements (QoS 1/2) or writes (QoS 0): commit the acknowledged prefix. */
  private final IMqttActionListener acknowledgement =
      new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
          try {
            acknowledged.incrementAndGet();
            complete((InFlight) token.getUserContext());
          } catch (RuntimeException e) {
            LOG.error("MQTT: handling an acknowledgement failed", e);
          }
        }

        @Override
        public void onFailure(IMqttToken token, Throwable cause) {
          lastError = describe(cause); // the connection is lost; connectionLost rewinds
        }
      };

  // --- Stop ---

  /**
   * Publishes {@code offline}, waits up to the flush timeout for what is in flight, and closes;
   * whatever is not acknowledged stays in the spool for the next start.
   */
  @Deactivate
  void deactivate() {
    if (commands != null) commands.close();
    alarms.close(); // what it queued goes into the spool first
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.flushTimeoutMs);
    synchronized (inFlight) {
      while (connected && System.nanoTime() < deadline && (!inFlight.isEmpty() || pending() > 0)) {
        try {
          inFlight.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    running = false;
    Thread thread = sender;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (client != null) {
      try {
        if (client.isConnected()) {
          client.publish(settings.topics.status(), OFFLINE, 1, true).waitForCompletion(1000);
          client.disconnect(500).waitForCompletion(1500);
        }
      } catch (MqttException e) {
        LOG.debug("MQTT: disconnect: {}", e.toString());
      }
      try {
        client.close(true);
      } catch (MqttException e) {
        LOG.debug("MQTT: close: {}", e.toString());
      }
    }
    housekeeping.shutdownNow();
    try {
      housekeeping.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flushHeld(true);
    int lost;
    synchronized (held) {
      lost = held.size();
      held.clear();
      heldCount = 0;
    }
    if (lost > 0)
      LOG.error("MQTT: stopping with {} messages the spool could not take; they are lost", lost);
    Spool current = spool;
    if (current != null) {
      try {
        current.close();
      } catch (IOException e) {
        LOG.warn("MQTT: closing the spool: {}", e.toString());
      }
      LOG.info("MQTT: stopped; {} messages stay spooled", current.pending());
    }
  }

  private long pending() {
    Spool current = spool;
    return current == null ? 0 : current.pending();
  }

  // --- State ---

  @Override
  public Map<String, MetricDescription> metricDescriptions() {
    return MqttMetrics.DESCRIPTIONS;
  }

  @Override
  public Map<String, Number> metrics() {
    Map<String, Number> figures = new LinkedHashMap<>();
    boolean up;
    int window;
    synchronized (inFlight) {
      up = connected;
      window = inFlight.size();
    }
    // Connected means sending: not while the sender is dead or stuck.
    figures.put("connected", up && (senderRunning() && !stuck()) ? 1 : 0);
    figures.put("connects", reconnects.get());
    figures.put("connectFailures", connectFailures.get());
    figures.put("published", published.get());
    figures.put("acknowledged", acknowledged.get());
    figures.put("inFlight", window);
    figures.put("deadLetters", setAside.get());
    figures.put("refused", refused.get());
    figures.put("heldInMemory", heldCount);
    figures.put("heldDropped", heldDropped.get());
    figures.put("senderFailures", senderFailures.get());
    figures.put("settingsProblems", settings.problems().size());
    figures.put("spoolErrors", spoolErrors.get());
    Spool current = spool;
    if (current != null) figures.putAll(current.figures());
    figures.putAll(alarms.metrics());
    if (commands != null) figures.putAll(commands.metrics());
    return figures;
  }

  private boolean stuck() {
    return pending() > 0
        && System.nanoTime() - progressNanos > TelemetryHealth.STUCK_AFTER.toNanos();
  }

  /**
   * The sender thread lives and has gone round its loop lately (each round waits at most 500 ms).
   */
  private boolean senderRunning() {
    Thread thread = sender;
    return thread != null
        && thread.isAlive()
        && System.nanoTime() - senderBeatNanos < TimeUnit.SECONDS.toNanos(30);
  }

  @Override
  public Health health() {
    boolean up;
    synchronized (inFlight) {
      up = connected;
    }
    long now = System.nanoTime();
    boolean connecting = client != null && !up && !everConnected && disconnected == null;
    return TelemetryHealth.assess(
        new TelemetryHealth.Facts(
            settings.problems(),
            settings.stops(MqttSettings.Part.READINGS) ? null : spoolUnavailable,
            spoolUnwritable,
            heldCount,
            spoolUnsynced,
            connecting,
            client == null || up ? null : disconnected,
            String.join(", ", settings.brokerUris),
            pending(),
            client == null || senderRunning(),
            up && pending() > 0 ? Duration.ofNanos(now - progressNanos) : null,
            senderFailureNanos == 0 ? null : Duration.ofNanos(now - senderFailureNanos),
            senderFailure,
            dropNanos == 0 ? null : Duration.ofNanos(now - dropNanos),
            dropCause));
  }

  /** Why the last connection attempt failed or the connection was lost; empty while connected. */
  String lastError() {
    return lastError;
  }
}
