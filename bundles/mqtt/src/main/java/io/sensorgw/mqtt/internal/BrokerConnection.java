package io.sensorgw.mqtt.internal;

import io.sensorgw.concurrent.Backoff;
import io.sensorgw.mqtt.internal.TelemetryHealth.Fault;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection to the broker: the Paho client (TLS through the settings' socket factory, made
 * from PEM files by {@link PemTls}), connecting and reconnecting with backoff between
 * reconnect.min.ms and reconnect.max.ms with jitter, the retained {@code status} topic ({@code
 * online}, and {@code offline} as the last will and at a stop), the command subscriptions, and the
 * {@link BrokerClient} the {@link SpoolSender} publishes through.
 *
 * <p>Paho's callbacks (connection made or lost, acknowledgements) tell the sender, which takes the
 * lock of its window; so nothing here calls Paho while holding a lock those callbacks take.
 */
final class BrokerConnection implements BrokerClient, MqttCallbackExtended {
  private static final Logger LOG = LoggerFactory.getLogger(MqttTelemetry.class);
  private static final byte[] ONLINE = "online".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] OFFLINE = "offline".getBytes(StandardCharsets.US_ASCII);

  private final MqttSettings settings;
  private final SpoolSender sender;
  private final Commands commands; // null: commands off
  private final ScheduledExecutorService housekeeping;

  /** Delays between connection attempts; Paho's threads and housekeeping take turns on it. */
  private final Backoff reconnectDelays;

  private final Incidents incidents;
  private final BooleanSupplier running;
  private final MqttAsyncClient client;
  private final MqttConnectOptions options = new MqttConnectOptions();

  private final AtomicInteger failedAttempts = new AtomicInteger();
  private volatile String lastError = "";
  private volatile boolean everConnected;
  private volatile Fault disconnected;
  private final AtomicLong connects = new AtomicLong();
  private final AtomicLong connectFailures = new AtomicLong();

  /**
   * Creates the client (not connected yet: {@link #connect}); throws what Paho's own checks of the
   * URIs and the client id throw.
   *
   * @param running false once the component stops: no more connection attempts
   */
  BrokerConnection(
      MqttSettings settings,
      SpoolSender sender,
      Commands commands,
      ScheduledExecutorService housekeeping,
      Incidents incidents,
      BooleanSupplier running)
      throws MqttException {
    this.settings = settings;
    this.sender = sender;
    this.commands = commands;
    this.housekeeping = housekeeping;
    this.incidents = incidents;
    this.running = running;
    // Half jitter: each delay between half and all of the doubled one, as MQTT has always waited.
    this.reconnectDelays =
        new Backoff(
            Duration.ofMillis(settings.reconnectMinMs),
            Duration.ofMillis(settings.reconnectMaxMs),
            0.5);
    this.client =
        new MqttAsyncClient(settings.brokerUris.get(0), settings.clientId, new MemoryPersistence());
    client.setCallback(this);
    options.setServerURIs(settings.brokerUris.toArray(String[]::new));
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
  }

  // --- Connecting ---

  void connect() {
    if (!running.getAsBoolean()) return;
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
    if (!running.getAsBoolean()) return;
    int attempt = failedAttempts.incrementAndGet();
    long delay;
    synchronized (reconnectDelays) {
      delay = reconnectDelays.next().toMillis();
    }
    if (attempt == 1 || attempt % 10 == 0) {
      LOG.warn(
          "MQTT: cannot reach {} ({}); retrying in {} ms, {} messages spooled",
          String.join(", ", settings.brokerUris),
          lastError,
          delay,
          sender.pending());
    }
    try {
      housekeeping.schedule(
          incidents.guarded("reconnect", this::connect), delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // stopping
    }
  }

  static String describe(Throwable cause) {
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

  // --- Paho's callbacks ---

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
      failedAttempts.set(0);
      synchronized (reconnectDelays) {
        reconnectDelays.reset();
      }
      sender.connected(); // resends what was not acknowledged
      everConnected = true;
      disconnected = null;
      connects.incrementAndGet();
      lastError = "";
      LOG.info("MQTT: connected to {}; {} messages to send", serverURI, sender.pending());
    } catch (RuntimeException e) { // Paho's callback thread must survive us
      LOG.error("MQTT: handling the connection failed", e);
    }
  }

  @Override
  public void connectionLost(Throwable cause) {
    try {
      sender.connectionLost();
      lastError = describe(cause);
      disconnected = new Fault(lastError, Instant.now());
      LOG.warn("MQTT: connection lost ({}); spooling until it is back", lastError);
      scheduleReconnect();
    } catch (RuntimeException e) {
      LOG.error("MQTT: handling the lost connection failed", e);
    }
  }

  @Override
  public void messageArrived(String topic, MqttMessage message) {
    if (commands == null) return;
    try {
      commands.arrived(
          topic, message.getPayload()); // queues only: this thread never waits on a device
    } catch (RuntimeException e) { // Paho's callback thread must survive us
      if (incidents.firstOf("command " + e)) LOG.error("MQTT: taking a command failed", e);
    }
  }

  @Override
  public void deliveryComplete(IMqttDeliveryToken token) {}

  // --- Publishing, for the sender ---

  @Override
  public void publish(String topic, byte[] payload, int qos, boolean retain, Delivery delivery)
      throws MqttException {
    try {
      client.publish(topic, payload, qos, retain, delivery, acknowledgement);
    } catch (MqttException e) {
      if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) lastError = describe(e);
      throw e;
    }
  }

  /** Broker acknowledgements (QoS 1/2) or writes (QoS 0): the sender commits them. */
  private final IMqttActionListener acknowledgement =
      new IMqttActionListener() {
        @Override
        public void onSuccess(IMqttToken token) {
          try {
            ((Delivery) token.getUserContext()).acknowledged();
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

  /** Publishes {@code offline} if connected, disconnects and closes the client. */
  void close() {
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

  // --- State ---

  /** Why the last connection attempt failed or the connection was lost; empty while connected. */
  String lastError() {
    return lastError;
  }

  boolean everConnected() {
    return everConnected;
  }

  /** Since when and why the broker cannot be reached; null while connected. */
  Fault disconnected() {
    return disconnected;
  }

  long connects() {
    return connects.get();
  }

  long connectFailures() {
    return connectFailures.get();
  }
}
