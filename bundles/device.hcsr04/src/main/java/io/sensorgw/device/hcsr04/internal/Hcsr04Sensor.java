package io.sensorgw.device.hcsr04.internal;

import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.Value;
import io.sensorgw.concurrent.ManagedExecutor;
import io.sensorgw.concurrent.ReconnectLoop;
import io.sensorgw.core.ConfigCheck;
import io.sensorgw.core.DeviceSensor;
import io.sensorgw.core.Measurement;
import io.sensorgw.core.SensorReader;
import io.sensorgw.fanout.ReadingPublisher;
import io.sensorgw.reporting.Reporter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HC-SR04 behind a BLE bridge. Each notification becomes a reading (distance in cm and m, or
 * quality error out of 2-400 cm); malformed payloads are counted and skipped. Silent for three
 * times the expected interval, the sensor is stale (state error, reads fail fast). The connection
 * is watched; a lost device, adapter or bus is retried with backoff until it is back ({@link
 * ReconnectLoop}). A bad configuration registers the sensor in error with the reason (see {@link
 * ConfigCheck}).
 */
@Component(
    service = Sensor.class,
    configurationPid = Hcsr04Sensor.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    property = {Sensor.SENSOR_MODEL + "=hcsr04", Sensor.SENSOR_KIND + "=distance"})
@Designate(ocd = Hcsr04Config.class, factory = true)
public class Hcsr04Sensor extends DeviceSensor {
  static final String PID = "io.sensorgw.device.hcsr04";
  private static final Logger LOG = LoggerFactory.getLogger(Hcsr04Sensor.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(3);

  /** How often a connected bridge is asked whether the device is still there. */
  private static final Duration CONNECTION_CHECK = Duration.ofSeconds(1);

  private static final Pattern ADAPTER = Pattern.compile("hci[0-9]{1,3}");
  private static final Pattern BLUETOOTH_ADDRESS =
      Pattern.compile("([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}");
  private static final Pattern UUID =
      Pattern.compile(
          "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}");

  /** publish.interval.ms: the readings that go to the listeners (every one is still cached). */
  private final Reporter publishing;

  private final SensorInfo info;
  private final Payload payload;
  private final boolean simulated;
  private final String adapter;
  private final String deviceAddress;
  private final String deviceName;
  private final String serviceUuid;
  private final String characteristicUuid;
  private final PayloadFormat payloadFormat;
  private final double temperatureC;
  private final long expectedIntervalMs;
  private final String dbusAddress;
  private final long simulationSeed;
  private final AtomicLong notifications = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong outOfRange = new AtomicLong();
  private final AtomicLong lastNotificationNanos = new AtomicLong(System.nanoTime());
  private volatile boolean closed;
  private volatile boolean stale;
  private volatile BleBridge bridge;

  /** Reconnects the bridge with backoff; the sensor is in error while it is down. */
  private final ReconnectLoop connection;

  @Activate
  public Hcsr04Sensor(
      Hcsr04Config config, Map<String, Object> properties, @Reference ReadingPublisher publisher) {
    ConfigCheck check = new ConfigCheck(properties);
    String id = check.sensorId(config::sensor_id);
    simulated = check.oneOf("mode", config::mode, Mode.class) == Mode.SIMULATED;
    adapter =
        check.matching(
            "adapter", config::adapter, ADAPTER, "hci followed by a number, e.g. hci0", !simulated);
    deviceAddress =
        check.matching(
            "device.address",
            config::device_address,
            BLUETOOTH_ADDRESS,
            "a Bluetooth address such as 24:0A:C4:12:34:56",
            false);
    deviceName = check.text("device.name", config::device_name, false);
    serviceUuid = check.matching("service.uuid", config::service_uuid, UUID, "a UUID", !simulated);
    characteristicUuid =
        check.matching(
            "characteristic.uuid", config::characteristic_uuid, UUID, "a UUID", !simulated);
    payloadFormat = check.oneOf("payload.format", config::payload_format, PayloadFormat.class);
    temperatureC = check.numberIn("temperature.c", config::temperature_c, -40, 85);
    expectedIntervalMs =
        check.longIn("expected.interval.ms", config::expected_interval_ms, 10, 60_000);
    Duration maxAge = check.maxAge(config::max_age_ms);
    Duration publishInterval = check.publishInterval(config::publish_interval_ms);
    dbusAddress = check.text("dbus.address", config::dbus_address, false);
    simulationSeed =
        check.longIn("simulation.seed", config::simulation_seed, Long.MIN_VALUE, Long.MAX_VALUE);
    check.require(
        simulated || !deviceAddress.isEmpty() || !deviceName.isEmpty(),
        "give device.address or device.name");
    payload = new Payload(payloadFormat, temperatureC);
    connection =
        ReconnectLoop.builder("HC-SR04 " + id)
            .logger(LOG)
            .onFailure((failure, retryIn) -> reader().fail(failure))
            .build();
    info =
        new SensorInfo(
            id,
            "hcsr04",
            "distance",
            simulated,
            maxAge,
            simulated ? "HC-SR04 (simulated)" : "HC-SR04 over BLE, " + describeTarget());
    // Two threads: the connection (or simulation) loop, and decoding notifications off D-Bus's
    // thread.
    ManagedExecutor executor = new ManagedExecutor(id, 2, 256);
    publishing = Reporter.atMostEvery(publishInterval);
    SensorReader reader =
        SensorReader.streaming(
            info,
            executor,
            Duration.ofMillis(Math.max(500, 5 * expectedIntervalMs)),
            publishing.to(publisher::publish));
    if (!attach(reader, executor, check)) return; // in error with the reason; nothing to start
    executor.submit(
        () -> {
          if (simulated) simulate();
          else connectLoop();
          return null;
        });
    // A simulation cannot fall silent, so only a real bridge has its silence watched (it would
    // otherwise wake two threads 14 times a second for nothing).
    if (!simulated) {
      executor.scheduleAtFixedRate(
          () -> {
            watchSilence();
            return null;
          },
          Duration.ofMillis(expectedIntervalMs),
          Duration.ofMillis(expectedIntervalMs));
    }
  }

  private String describeTarget() {
    return (deviceAddress.isEmpty() ? "'" + deviceName + "'" : deviceAddress) + " on " + adapter;
  }

  @Deactivate
  void deactivate() {
    closed = true;
    connection.close(); // ends the pause, or closes the connected bridge
    if (!detach(CLOSE_WAIT))
      LOG.warn("HC-SR04 {}: threads did not stop within {}", info.id(), CLOSE_WAIT);
  }

  /** From D-Bus's thread: enqueue only. */
  private void onValue(byte[] value) {
    try {
      executor()
          .submit(
              () -> {
                accept(value);
                return null;
              });
    } catch (RuntimeException e) {
      dropped.incrementAndGet(); // queue full or closing: dropped, counted
    }
  }

  /** Decodes one payload into a reading; never throws. */
  private void accept(byte[] value) {
    accept(value, Instant.now());
  }

  /** Decodes one payload, measured at {@code acquiredAt}, into a reading; never throws. */
  private void accept(byte[] value, Instant acquiredAt) {
    notifications.incrementAndGet();
    lastNotificationNanos.set(System.nanoTime());
    stale = false;
    double cm;
    try {
      cm = payload.centimetres(value);
    } catch (Payload.Malformed e) {
      malformed.incrementAndGet();
      LOG.debug("HC-SR04 {}: skipped a payload: {}", info.id(), e.getMessage());
      return;
    }
    Quality ok = simulated ? Quality.SIMULATED : Quality.OK;
    Map<String, Value> values = new LinkedHashMap<>();
    Measurement measurement;
    if (Payload.inRange(cm)) {
      values.put("distance", Value.of(Math.round(cm * 10) / 10.0, "cm"));
      values.put("distance_m", Value.of(Math.round(cm * 10) / 1000.0, "m"));
      measurement = Measurement.of(ok, values);
    } else {
      outOfRange.incrementAndGet();
      measurement =
          new Measurement(
              values,
              Quality.ERROR,
              String.format(
                  java.util.Locale.ROOT,
                  "out of range: %.1f cm (the HC-SR04 measures %.0f-%.0f cm; no echo reads as far)",
                  cm,
                  Payload.MIN_CM,
                  Payload.MAX_CM));
    }
    reader().offer(measurement, acquiredAt, Duration.ZERO);
  }

  private void watchSilence() {
    long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastNotificationNanos.get());
    if (!stale && !closed && silentMs > 3 * expectedIntervalMs) {
      stale = true;
      reader()
          .fail(
              new IOException(
                  "stale: no notification for "
                      + silentMs
                      + " ms (expected every "
                      + expectedIntervalMs
                      + " ms)"));
    }
  }

  private void simulate() {
    SimulatedTarget target = new SimulatedTarget(simulationSeed);
    long period = TimeUnit.MILLISECONDS.toNanos(66); // the HC-SR04's ~15 Hz measurement cycle
    long next = System.nanoTime();
    // Measurements in pairs, as a BLE link hands over the notifications queued since its last
    // connection event: the thread wakes 7.5 times a second instead of 15. Each reading keeps the
    // time it was measured; the latest is up to two periods old before the next pair arrives, so
    // pairs only while that is within max.age.ms (250 by default), else one at a time as before.
    int perWakeUp = info.maxAge().toNanos() >= 2 * period ? 2 : 1;
    while (!closed) {
      long now = System.nanoTime();
      for (int i = 0; i < perWakeUp && next - now <= 0; i++) {
        long echo = target.nextEchoMicros(temperatureC);
        accept(encode(echo), Instant.now().minusNanos(now - next));
        next += period;
      }
      LockSupport.parkNanos(next + (perWakeUp - 1) * period - System.nanoTime());
      if (Thread.currentThread().isInterrupted()) return;
    }
  }

  /** A simulated echo as the configured bridge would send it. */
  private byte[] encode(long echoMicros) {
    double cm = echoMicros * Payload.speedOfSound(temperatureC) / 20_000.0;
    return switch (payloadFormat) {
      case UINT16LE_MM ->
          ByteBuffer.allocate(2)
              .order(ByteOrder.LITTLE_ENDIAN)
              .putShort((short) Math.min(65535, Math.round(cm * 10)))
              .array();
      case FLOAT32LE_CM ->
          ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat((float) cm).array();
      case UINT32LE_ECHO_US ->
          ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) echoMicros).array();
      case ASCII_CM ->
          String.format(java.util.Locale.ROOT, "%.1f", cm)
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    };
  }

  /** Keeps a bridge connected, until deactivated. */
  private void connectLoop() {
    connection.run(BridgeSession::new);
  }

  /** One connection to the device, watched until it is lost. */
  private final class BridgeSession implements ReconnectLoop.Session {
    private final BleBridge attempt =
        new BleBridge(
            dbusAddress, adapter, deviceAddress, deviceName, serviceUuid, characteristicUuid);

    @Override
    public void open() throws Exception {
      attempt.start(Hcsr04Sensor.this::onValue);
      bridge = attempt;
      lastNotificationNanos.set(System.nanoTime());
      LOG.info("HC-SR04 {}: notifications from {}", info.id(), attempt.describe());
    }

    @Override
    public void run() throws IOException {
      while (attempt.connected()) {
        if (!connection.pause(CONNECTION_CHECK)) return;
      }
      throw new IOException("device disconnected or gone");
    }

    /** Also from deactivate's thread, through the loop. */
    @Override
    public void close() {
      bridge = null;
      attempt.close();
    }
  }

  @Override
  protected Map<String, Number> deviceMetrics() {
    Map<String, Number> metrics = new LinkedHashMap<>();
    metrics.put("notifications", notifications.get());
    metrics.put("malformed", malformed.get());
    metrics.put("notificationsDropped", dropped.get());
    metrics.put("outOfRange", outOfRange.get());
    metrics.put("reconnects", connection.reconnects());
    metrics.put("published", publishing.reported());
    metrics.put("notPublished", publishing.held());
    BleBridge current = bridge;
    if (current != null) metrics.put("dbusSignals", current.signals());
    return metrics;
  }

  @Override
  protected Map<String, MetricDescription> deviceMetricDescriptions() {
    return Map.of(
        "notifications", MetricDescription.counter("BLE notifications received"),
        "malformed", MetricDescription.counter("Notifications that could not be decoded"),
        "notificationsDropped",
            MetricDescription.counter("Notifications dropped, arriving too fast"),
        "outOfRange", MetricDescription.counter("Distances outside the sensor's range"),
        "reconnects", MetricDescription.counter("Connections to the device reopened"),
        "published", MetricDescription.counter("Readings published to listeners"),
        "notPublished", MetricDescription.counter("Readings held back by reporting rules"),
        "dbusSignals", MetricDescription.counter("D-Bus signals received from BlueZ"));
  }
}
