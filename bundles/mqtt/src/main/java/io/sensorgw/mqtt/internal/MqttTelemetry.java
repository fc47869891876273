package io.sensorgw.mqtt.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.Value;
import io.sensorgw.core.PublishThrottle;
import io.sensorgw.core.ReadingFormat;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
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
 * (at-least-once for QoS 1 and 2). A retained {@code status} topic says {@code online}; the
 * broker publishes the last will {@code offline} when the gateway dies.
 *
 * <p>Active only when configured (PID {@code io.sensorgw.mqtt}): a gateway without a broker does
 * not fill its disk with a spool nobody will read.
 */
@Component(
    service = {ReadingListener.class, MetricsSource.class},
    configurationPid = MqttTelemetry.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    property = MetricsSource.NAME + "=mqtt")
@Designate(ocd = MqttConfig.class)
public class MqttTelemetry implements ReadingListener, MetricsSource, MqttCallbackExtended {
  static final String PID = "io.sensorgw.mqtt";
  private static final Logger LOG = LoggerFactory.getLogger(MqttTelemetry.class);
  private static final byte[] ONLINE = "online".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OFFLINE = "offline".getBytes(StandardCharsets.US_ASCII);

  private final ObjectMapper mapper = new ObjectMapper();
  private final MqttConfig config;
  private final String gatewayId;
  private final Topics topics;
  private final HomeAssistant homeAssistant;
  private final Spool spool;
  private final MqttAsyncClient client;
  private final MqttConnectOptions options;
  private final Map<String, Integer> qosBySensor;
  private final Map<String, Long> intervalBySensor;
  private final Map<String, PublishThrottle> throttles = new ConcurrentHashMap<>();
  /** Sensor id -> discovery config topics published for it (removed with the sensor). */
  private final Map<String, Set<String>> discovered = new ConcurrentHashMap<>();
  private final Map<String, String> models = new ConcurrentHashMap<>();
  /** Reconnects (delayed) and the spool's periodic sync. */
  private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(task -> {
    Thread thread = new Thread(task, "sensorgw-mqtt-housekeeping");
    thread.setDaemon(true);
    return thread;
  });
  private final Thread sender;

  // The send window, guarded by itself.
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  private long generation;
  private boolean connected;
  private Spool.Position readFrom;
  private volatile boolean running = true;
  private int failedAttempts;
  private volatile String lastError = "";

  private final AtomicLong published = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong reconnects = new AtomicLong();
  private final AtomicLong connectFailures = new AtomicLong();
  private final AtomicLong spoolErrors = new AtomicLong();

  /** A message handed to Paho and not yet acknowledged. */
  private static final class InFlight {
    final long generation;
    final Spool.Position next;
    boolean acked;

    InFlight(long generation, Spool.Position next) {
      this.generation = generation;
      this.next = next;
    }
  }

  @Activate
  public MqttTelemetry(MqttConfig config) throws IOException, MqttException {
    this.config = config;
    this.gatewayId = config.gateway_id().isBlank() ? hostName() : config.gateway_id().trim();
    String prefix = config.topic_prefix().isBlank() ? "sensorgw/" + Topics.segment(gatewayId) : config.topic_prefix().trim();
    this.topics = new Topics(prefix);
    this.homeAssistant = new HomeAssistant(config.homeassistant_prefix(), gatewayId, topics);
    this.qosBySensor = perSensor(config.qos_per_sensor(), Integer::parseInt);
    this.intervalBySensor = perSensor(config.publish_interval_per_sensor(), Long::parseLong);
    this.spool = new Spool(Path.of(config.spool_dir()), config.spool_max_mb() << 20,
        Duration.ofHours(config.spool_max_age_h()), Clock.systemUTC());
    this.readFrom = spool.committed();

    String clientId = config.client_id().isBlank() ? "sensorgw-" + Topics.segment(gatewayId) : config.client_id();
    String[] uris = config.broker_uris();
    this.client = new MqttAsyncClient(uris[0], clientId, new MemoryPersistence());
    client.setCallback(this);
    this.options = new MqttConnectOptions();
    options.setServerURIs(uris);
    options.setCleanSession(true); // the spool, not the broker session, keeps what is unsent
    options.setAutomaticReconnect(false); // our own backoff with jitter
    options.setKeepAliveInterval(Math.max(1, config.keep_alive_s()));
    options.setMaxInflight(Math.max(1, config.max_inflight()));
    options.setConnectionTimeout(10);
    options.setWill(topics.status(), OFFLINE, 1, true);
    if (!config.username().isBlank()) {
      options.setUserName(config.username());
      options.setPassword(config._password().toCharArray());
    }
    if (!config.tls_ca_file().isBlank() || !config.tls_cert_file().isBlank()
        || java.util.Arrays.stream(uris).anyMatch(u -> u.startsWith("ssl://"))) {
      try {
        options.setSocketFactory(PemTls.socketFactory(config.tls_ca_file(), config.tls_cert_file(), config.tls_key_file()));
      } catch (java.security.GeneralSecurityException e) {
        throw new IOException("MQTT TLS: " + e.getMessage(), e);
      }
    }
    this.sender = new Thread(this::send, "sensorgw-mqtt-sender");
    sender.setDaemon(true);
    sender.start();
    housekeeping.scheduleWithFixedDelay(() -> {
      try {
        spool.sync();
      } catch (IOException e) {
        spoolErrors.incrementAndGet();
        LOG.warn("MQTT: syncing the spool failed: {}", e.toString());
      }
    }, 1, 1, TimeUnit.SECONDS);
    LOG.info("MQTT: publishing to {} under {}/ (spool {} pending)", String.join(", ", uris), prefix, spool.pending());
    connect();
  }

  static <T> Map<String, T> perSensor(String[] entries, java.util.function.Function<String, T> parse) {
    Map<String, T> map = new LinkedHashMap<>();
    for (String entry : entries) {
      for (String item : entry.split(",")) {
        String[] pair = item.trim().split("=", 2);
        if (pair.length == 2 && !pair[0].isBlank()) {
          try {
            map.put(pair[0].trim(), parse.apply(pair[1].trim()));
          } catch (NumberFormatException e) {
            LOG.warn("MQTT: ignoring '{}' (expected sensor-id=number)", item);
          }
        }
      }
    }
    return map;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "gateway";
    }
  }

  // --- Sensors, for discovery ---

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addSensor(Sensor sensor, Map<String, Object> properties) {
    Object id = properties.get(Sensor.SENSOR_ID);
    Object model = properties.get(Sensor.SENSOR_MODEL);
    if (id != null) models.put(id.toString(), model == null ? "" : model.toString());
  }

  void removeSensor(Sensor sensor, Map<String, Object> properties) {
    Object id = properties.get(Sensor.SENSOR_ID);
    if (id == null) return;
    models.remove(id.toString());
    Set<String> configs = discovered.remove(id.toString());
    if (configs != null && running) {
      for (String topic : configs) spoolAppend(topic, new byte[0], 1, true); // empty retained: entity removed
    }
  }

  // --- Readings in ---

  @Override
  public void onReading(Reading reading) {
    long interval = intervalBySensor.getOrDefault(reading.sensorId(), config.publish_interval_ms());
    throttles.computeIfAbsent(reading.sensorId(), id -> new PublishThrottle(Duration.ofMillis(interval), this::spoolReading))
        .accept(reading);
  }

  private void spoolReading(Reading reading) {
    if (config.homeassistant_discovery()) discover(reading);
    try {
      byte[] json = mapper.writeValueAsBytes(ReadingFormat.reading(reading));
      int qos = Math.max(0, Math.min(2, qosBySensor.getOrDefault(reading.sensorId(), config.qos())));
      spoolAppend(topics.reading(reading.sensorId()), json, qos, config.retain());
    } catch (IOException e) {
      spoolErrors.incrementAndGet();
    }
  }

  /** The first reading of a value makes its discovery config; it goes through the spool too. */
  private void discover(Reading reading) {
    Set<String> published = discovered.computeIfAbsent(reading.sensorId(), id -> ConcurrentHashMap.newKeySet());
    for (Map.Entry<String, Value> value : reading.values().entrySet()) {
      String topic = homeAssistant.configTopic(reading.sensorId(), value.getKey());
      if (!published.add(topic)) continue;
      try {
        byte[] json = mapper.writeValueAsBytes(homeAssistant.config(reading.sensorId(),
            models.getOrDefault(reading.sensorId(), ""), value.getKey(), value.getValue()));
        spoolAppend(topic, json, 1, true);
      } catch (IOException e) {
        spoolErrors.incrementAndGet();
      }
    }
  }

  private void spoolAppend(String topic, byte[] payload, int qos, boolean retain) {
    try {
      spool.append(topic, payload, qos, retain);
    } catch (IOException e) {
      spoolErrors.incrementAndGet();
      LOG.warn("MQTT: could not spool a message for {}: {}", topic, e.toString());
    }
  }

  // --- Connection ---

  private void connect() {
    if (!running) return;
    try {
      client.connect(options, null, new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
          // connectComplete does the rest
        }

        @Override
        public void onFailure(IMqttToken token, Throwable cause) {
          connectFailures.incrementAndGet();
          lastError = describe(cause);
          scheduleReconnect();
        }
      });
    } catch (MqttException e) {
      connectFailures.incrementAndGet();
      lastError = describe(e);
      scheduleReconnect();
    }
  }

  private void scheduleReconnect() {
    if (!running) return;
    int attempt;
    synchronized (inFlight) {
      attempt = ++failedAttempts;
    }
    long max = Math.max(config.reconnect_min_ms(), config.reconnect_max_ms());
    long backoff = Math.min(max, config.reconnect_min_ms() << Math.min(20, attempt - 1));
    long delay = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1); // jitter
    if (attempt == 1 || attempt % 10 == 0) {
      LOG.warn("MQTT: cannot reach {} ({}); retrying in {} ms, {} messages spooled",
          String.join(", ", options.getServerURIs()), lastError, delay, spool.pending());
    }
    try {
      housekeeping.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // stopping
    }
  }

  private static String describe(Throwable cause) {
    if (cause instanceof MqttException e && e.getReasonCode() == MqttException.REASON_CODE_FAILED_AUTHENTICATION) {
      return "bad user name or password";
    }
    if (cause instanceof MqttException e && e.getReasonCode() == MqttException.REASON_CODE_NOT_AUTHORIZED) {
      return "not authorized";
    }
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String message = root.getMessage();
    return cause.getMessage() + (root != cause && message != null ? ": " + message : "");
  }

  @Override
  public void connectComplete(boolean reconnect, String serverURI) {
    try {
      client.publish(topics.status(), ONLINE, 1, true);
    } catch (MqttException e) {
      LOG.debug("MQTT: could not publish online: {}", e.toString());
    }
    synchronized (inFlight) {
      connected = true;
      failedAttempts = 0;
      generation++;
      inFlight.clear();
      readFrom = spool.committed(); // resend what was not acknowledged
      inFlight.notifyAll();
    }
    reconnects.incrementAndGet();
    lastError = "";
    LOG.info("MQTT: connected to {}; {} messages to send", serverURI, spool.pending());
  }

  @Override
  public void connectionLost(Throwable cause) {
    synchronized (inFlight) {
      connected = false;
      generation++;
      inFlight.clear();
      readFrom = spool.committed();
      inFlight.notifyAll();
    }
    lastError = describe(cause);
    LOG.warn("MQTT: connection lost ({}); spooling until it is back", lastError);
    scheduleReconnect();
  }

  @Override
  public void messageArrived(String topic, MqttMessage message) {}

  @Override
  public void deliveryComplete(IMqttDeliveryToken token) {}

  // --- Sending ---

  /** The sender thread: the spool in order, up to max in flight at a time. */
  private void send() {
    int window = Math.max(1, config.max_inflight());
    while (running) {
      long sendGeneration;
      Spool.Position from;
      synchronized (inFlight) {
        while (running && (!connected || inFlight.size() >= window)) {
          try {
            inFlight.wait(500);
          } catch (InterruptedException e) {
            return;
          }
        }
        if (!running) return;
        sendGeneration = generation;
        from = readFrom;
      }
      Spool.Message message;
      try {
        message = spool.next(from, Duration.ofMillis(500));
      } catch (IOException e) {
        spoolErrors.incrementAndGet();
        LOG.warn("MQTT: reading the spool failed: {}", e.toString());
        pause();
        continue;
      } catch (InterruptedException e) {
        return;
      }
      if (message == null) continue;
      InFlight entry = new InFlight(sendGeneration, message.next());
      synchronized (inFlight) {
        if (sendGeneration != generation || !connected) continue; // rewound meanwhile
        inFlight.addLast(entry);
        readFrom = message.next();
      }
      try {
        client.publish(message.topic(), message.payload(), message.qos(), message.retain(), entry, acknowledgement);
        published.incrementAndGet();
      } catch (MqttException e) {
        synchronized (inFlight) { // not sent: send it again from here
          if (entry.generation == generation) rewindTo(from);
        }
        if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) lastError = describe(e);
        pause();
      }
    }
  }

  /** Drops in-flight entries at or after {@code from}: they are sent again from there. */
  private void rewindTo(Spool.Position from) { // holds inFlight
    inFlight.removeIf(f -> f.next.compareTo(from) > 0);
    readFrom = from;
  }

  private void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Broker acknowledgements (QoS 1/2) or writes (QoS 0): commit the acknowledged prefix. */
  private final IMqttActionListener acknowledgement = new IMqttActionListener() {
    @Override
    public void onSuccess(IMqttToken token) {
      InFlight entry = (InFlight) token.getUserContext();
      Spool.Position commit = null;
      long count = 0;
      synchronized (inFlight) {
        if (entry.generation != generation) return;
        entry.acked = true;
        while (!inFlight.isEmpty() && inFlight.peekFirst().acked) {
          commit = inFlight.pollFirst().next;
          count++;
        }
        if (count > 0) inFlight.notifyAll();
      }
      acknowledged.incrementAndGet();
      if (commit != null) spool.commit(commit, count);
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
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, config.flush_timeout_ms()));
    synchronized (inFlight) {
      while (connected && System.nanoTime() < deadline && (!inFlight.isEmpty() || spool.pending() > 0)) {
        try {
          inFlight.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    running = false;
    sender.interrupt();
    try {
      sender.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      if (client.isConnected()) {
        client.publish(topics.status(), OFFLINE, 1, true).waitForCompletion(1000);
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
    housekeeping.shutdownNow();
    try {
      housekeeping.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      spool.close();
    } catch (IOException e) {
      LOG.warn("MQTT: closing the spool: {}", e.toString());
    }
    LOG.info("MQTT: stopped; {} messages stay spooled", spool.pending());
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
    figures.put("connected", up ? 1 : 0);
    figures.put("connects", reconnects.get());
    figures.put("connectFailures", connectFailures.get());
    figures.put("published", published.get());
    figures.put("acknowledged", acknowledged.get());
    figures.put("inFlight", window);
    figures.put("spoolErrors", spoolErrors.get());
    figures.putAll(spool.figures());
    return figures;
  }

  /** Why the last connection attempt failed or the connection was lost; empty while connected. */
  String lastError() {
    return lastError;
  }
}
