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
import java.io.UncheckedIOException;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.eclipse.paho.client.mqttv3.MqttException;
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
 * <p>This class is the component (configuration, readings and alarms in, discovery, the spool's
 * upkeep, metrics and health); {@link SpoolSender} publishes the spool and commits what was
 * acknowledged, {@link BrokerConnection} holds the Paho client and reconnects.
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
public class MqttTelemetry implements ReadingListener, MetricsSource, HealthSource, AlarmListener {
  static final String PID = "io.sensorgw.mqtt";
  private static final Logger LOG = LoggerFactory.getLogger(MqttTelemetry.class);
  private static final byte[] ONLINE = "online".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OFFLINE = "offline".getBytes(StandardCharsets.US_ASCII);

  /**
   * Messages kept in memory while the spool cannot be written (a full disk); then the oldest go.
   */
  static final int HELD_MAX = 10_000;

  private final ObjectMapper mapper = new ObjectMapper();
  private final MqttSettings settings;
  private final HomeAssistant homeAssistant;

  /** Null when a bad setting stops the connection. */
  private final BrokerConnection connection;

  /** Why the client could not be created; empty if it could. */
  private final String clientProblem;

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

  private final Incidents incidents = new Incidents();

  /** Publishes the spool; its window is the lock Paho's callbacks take (see SpoolSender). */
  private final SpoolSender sender;

  private volatile boolean running = true;

  /** Messages the spool has not taken yet (it cannot be written); guarded by itself. */
  private final ArrayDeque<Outgoing> held = new ArrayDeque<>();

  private volatile int heldCount; // held.size(), for readers that must not wait on a disk write
  private long lastHeldAttemptNanos; // guarded by held

  // State, for health(); the instants are wall time, for reasons.
  private volatile Fault spoolUnavailable;
  private volatile Fault spoolUnwritable;
  private volatile Fault spoolUnsynced;
  private static final String[] SPOOL_LOSSES = {
    "spoolDroppedFull", "spoolDroppedOld", "spoolCorrupt", "spoolTornTails"
  };
  private final long[] spoolLossesSeen = new long[SPOOL_LOSSES.length]; // housekeeping only
  private long ticksWithoutSpool; // housekeeping only

  private final AtomicLong spoolErrors = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong heldDropped = new AtomicLong();

  /** A message on its way into the spool. */
  private record Outgoing(String topic, byte[] payload, int qos, boolean retain) {}

  /** Creates the broker connection; a test's may throw. */
  interface ConnectionFactory {
    BrokerConnection create(
        MqttSettings settings,
        SpoolSender sender,
        Commands commands,
        ScheduledExecutorService housekeeping,
        Incidents incidents,
        BooleanSupplier running)
        throws MqttException;
  }

  @Activate
  public MqttTelemetry(MqttConfig config) {
    this(config, BrokerConnection::new);
  }

  /**
   * A constructor that throws gets no deactivate from DS: whatever it opened up to then (the
   * spool's files, threads, the client) is closed before the exception goes on, or it would stay
   * open until the gateway stops (and a new activation would find the spool in use).
   */
  MqttTelemetry(MqttConfig config, ConnectionFactory connections) {
    this.settings = new MqttSettings(config, MqttTelemetry::hostName);
    this.homeAssistant =
        new HomeAssistant(settings.homeAssistantPrefix, settings.gatewayId, settings.topics);
    if (!settings.problems().isEmpty()) {
      // One line: what is wrong and what stops because of it.
      LOG.error("MQTT: bad settings ({}): {}", stopped(), String.join("; ", settings.problems()));
    }
    this.sender = new SpoolSender(this::publish, settings.maxInflight, incidents);
    try {
      if (!settings.stops(MqttSettings.Part.READINGS)) openSpool();
      this.alarms =
          new AlarmPublisher(
              settings.topics, discovery() ? homeAssistant : null, this::spoolAppend);
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
      BrokerConnection created = null;
      String problem = "";
      if (!settings.stops(MqttSettings.Part.READINGS)
          && !settings.stops(MqttSettings.Part.CONNECTION)) {
        try {
          created =
              connections.create(
                  settings, sender, commands, housekeeping, incidents, () -> running);
          // Paho's own checks of the URIs and the client id: a state, not a failed activation
        } catch (MqttException | RuntimeException e) {
          LOG.error("MQTT: cannot create the client for {}: {}", settings.brokerUris, e.toString());
          problem = BrokerConnection.describe(e);
        }
      }
      this.connection = created;
      this.clientProblem = problem;
      housekeeping.scheduleWithFixedDelay(
          incidents.guarded("housekeeping", this::tick), 1, 1, TimeUnit.SECONDS);
      if (connection != null) {
        sender.start();
        LOG.info(
            "MQTT: publishing to {} under {}/ (spool {} pending)",
            String.join(", ", settings.brokerUris),
            settings.prefix,
            spool == null ? "not open" : spool.pending());
        connection.connect();
      } else if (!settings.stops(MqttSettings.Part.READINGS)) {
        LOG.warn(
            "MQTT: not connecting until the settings are fixed; readings are kept in the spool meanwhile");
      }
    } catch (RuntimeException | Error e) {
      closeAfterFailedStart(e);
      throw e;
    }
  }

  /** What the constructor opened, closed after it failed; further failures are added to its. */
  private void closeAfterFailedStart(Throwable failure) {
    running = false;
    List<Runnable> steps = new ArrayList<>();
    if (commands != null) steps.add(commands::close);
    if (alarms != null) steps.add(alarms::close);
    steps.add(sender::stop);
    if (connection != null) steps.add(connection::close);
    steps.add(
        () -> {
          housekeeping.shutdownNow();
          try {
            housekeeping.awaitTermination(2, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    Spool current = spool;
    if (current != null) {
      steps.add(
          () -> {
            try {
              current.close();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (RuntimeException | Error e) {
        failure.addSuppressed(e);
      }
    }
  }

  /**
   * The sender's client: the connection, created after the spool (the sender's thread starts only
   * with it).
   */
  private void publish(
      String topic, byte[] payload, int qos, boolean retain, BrokerClient.Delivery delivery)
      throws MqttException {
    connection.publish(topic, payload, qos, retain, delivery);
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

  private boolean firstOf(String cause) {
    return incidents.firstOf(cause);
  }

  private void drop(String cause) {
    incidents.dropped(cause);
  }

  // --- The spool ---

  private void openSpool() {
    try {
      Spool opened =
          new Spool(
              settings.spoolDir, settings.spoolMaxBytes, settings.spoolMaxAge, Clock.systemUTC());
      sender.open(opened);
      spool = opened;
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
    if (running) sender.restartIfDead();
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

  // --- Stop ---

  /**
   * Publishes {@code offline}, waits up to the flush timeout for what is in flight, and closes;
   * whatever is not acknowledged stays in the spool for the next start.
   */
  @Deactivate
  void deactivate() {
    if (commands != null) commands.close();
    alarms.close(); // what it queued goes into the spool first
    sender.awaitDrained(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.flushTimeoutMs));
    running = false;
    sender.stop();
    if (connection != null) connection.close();
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
    boolean up = sender.isConnected();
    int window = sender.inFlight();
    // Connected means sending: not while the sender is dead or stuck.
    figures.put("connected", up && (sender.threadRunning() && !sender.stuck()) ? 1 : 0);
    figures.put("connects", connection == null ? 0 : connection.connects());
    figures.put("connectFailures", connection == null ? 0 : connection.connectFailures());
    figures.put("published", sender.published());
    figures.put("acknowledged", sender.acknowledged());
    figures.put("inFlight", window);
    figures.put("deadLetters", sender.deadLetters());
    figures.put("refused", refused.get());
    figures.put("heldInMemory", heldCount);
    figures.put("heldDropped", heldDropped.get());
    figures.put("senderFailures", sender.failures());
    figures.put("settingsProblems", settings.problems().size());
    figures.put("spoolErrors", spoolErrors.get() + sender.spoolErrors());
    Spool current = spool;
    if (current != null) figures.putAll(current.figures());
    figures.putAll(alarms.metrics());
    if (commands != null) figures.putAll(commands.metrics());
    return figures;
  }

  @Override
  public Health health() {
    boolean up = sender.isConnected();
    long now = System.nanoTime();
    boolean connecting =
        connection != null
            && !up
            && !connection.everConnected()
            && connection.disconnected() == null;
    return TelemetryHealth.assess(
        new TelemetryHealth.Facts(
            settings.problems(),
            settings.stops(MqttSettings.Part.READINGS) ? null : spoolUnavailable,
            spoolUnwritable,
            heldCount,
            spoolUnsynced,
            connecting,
            connection == null || up ? null : connection.disconnected(),
            String.join(", ", settings.brokerUris),
            pending(),
            connection == null || sender.threadRunning(),
            up && pending() > 0 ? Duration.ofNanos(now - sender.progressNanos()) : null,
            sender.failureNanos() == 0 ? null : Duration.ofNanos(now - sender.failureNanos()),
            sender.failure(),
            incidents.dropNanos() == 0 ? null : Duration.ofNanos(now - incidents.dropNanos()),
            incidents.dropCause()));
  }

  /** Why the last connection attempt failed or the connection was lost; empty while connected. */
  String lastError() {
    return connection == null ? clientProblem : connection.lastError();
  }
}
