package io.sensorgw.mqtt.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * MQTT benchmarks through the real telemetry component (spool, sender, Paho) against the local
 * Mosquitto at {@code args[0]} (tcp://127.0.0.1:port), received by a real subscriber: publish
 * throughput at QoS 0 and 1, reading-to-subscriber latency, and the spool's drain rate after an
 * outage (the broker at {@code args[1]} is started by the script only after spooling). Prints
 * figures; asserts nothing.
 */
public final class MqttBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    String broker = args[0];
    throughput(broker, 0, 200_000);
    throughput(broker, 1, 100_000);
    latency(broker, 1000, 10);
    if (args.length > 1) drain(args[1], Integer.parseInt(args[2]));
  }

  static MqttConfig config(Map<String, Object> overrides) {
    return (MqttConfig)
        Proxy.newProxyInstance(
            MqttConfig.class.getClassLoader(),
            new Class<?>[] {MqttConfig.class},
            (proxy, method, arguments) ->
                overrides.containsKey(method.getName())
                    ? overrides.get(method.getName())
                    : method.getDefaultValue());
  }

  private static MqttTelemetry telemetry(String broker, int qos, Path spool) {
    Map<String, Object> settings = new HashMap<>();
    settings.put("broker_uris", new String[] {broker});
    settings.put("gateway_id", "bench");
    settings.put("client_id", "bench-" + System.nanoTime());
    settings.put("qos", qos);
    settings.put("retain", false);
    settings.put("spool_dir", spool.toString());
    settings.put("spool_max_mb", 512L);
    settings.put("reconnect_max_ms", 1000L);
    try {
      return new MqttTelemetry(config(settings));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Reading reading(long sequence) {
    return new Reading(
        "bench-1",
        sequence,
        Instant.now(),
        Map.of("distance", Value.of(123.4, "cm")),
        Quality.SIMULATED,
        Duration.ofNanos(800_000),
        "");
  }

  /** A subscriber to the benchmark's readings, counting them and timing each one's delivery. */
  private static final class Subscriber implements MqttCallback, AutoCloseable {
    final AtomicLong received = new AtomicLong();
    final long[] latencyMicros;
    final MqttClient client;

    Subscriber(String broker, int qos, int latencySamples) throws Exception {
      latencyMicros = new long[latencySamples];
      client = new MqttClient(broker, "bench-sub-" + System.nanoTime(), new MemoryPersistence());
      client.setCallback(this);
      MqttConnectOptions options = new MqttConnectOptions();
      options.setMaxInflight(1000);
      client.connect(options);
      client.subscribe("sensorgw/bench/+/reading", qos);
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) throws Exception {
      long n = received.getAndIncrement();
      if (n < latencyMicros.length) {
        Instant sent = Instant.parse(JSON.readTree(message.getPayload()).get("timestamp").asText());
        latencyMicros[(int) n] = Duration.between(sent, Instant.now()).toNanos() / 1000;
      }
    }

    @Override
    public void connectionLost(Throwable cause) {}

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {}

    @Override
    public void close() throws Exception {
      client.disconnect();
      client.close();
    }
  }

  private static void await(BooleanSupplier condition, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline)
      LockSupport.parkNanos(1_000_000);
  }

  private static void throughput(String broker, int qos, int count) throws Exception {
    Path spool = Files.createTempDirectory("mqtt-bench");
    try (Subscriber subscriber = new Subscriber(broker, qos, 0)) {
      MqttTelemetry telemetry = telemetry(broker, qos, spool);
      await(() -> telemetry.metrics().get("connected").intValue() == 1, Duration.ofSeconds(10));
      long start = System.nanoTime();
      for (int i = 1; i <= count; i++) telemetry.onReading(reading(i));
      long spooled = System.nanoTime();
      await(
          () -> telemetry.metrics().get("acknowledged").longValue() >= count,
          Duration.ofMinutes(5));
      long acked = System.nanoTime();
      await(() -> subscriber.received.get() >= count, Duration.ofSeconds(30));
      long delivered = System.nanoTime();
      System.out.printf(
          "QoS %d, %,d readings: spooled at %,.0f/s; published and %s at %,.0f msg/s; subscriber got %,d (%,.0f msg/s)%n",
          qos,
          count,
          count / seconds(start, spooled),
          qos == 0 ? "written" : "acknowledged",
          count / seconds(start, acked),
          subscriber.received.get(),
          subscriber.received.get() / seconds(start, delivered));
      telemetry.deactivate();
    }
  }

  private static void latency(String broker, int perSecond, int seconds) throws Exception {
    Path spool = Files.createTempDirectory("mqtt-bench");
    int count = perSecond * seconds;
    try (Subscriber subscriber = new Subscriber(broker, 1, count)) {
      MqttTelemetry telemetry = telemetry(broker, 1, spool);
      await(() -> telemetry.metrics().get("connected").intValue() == 1, Duration.ofSeconds(10));
      long period = TimeUnit.SECONDS.toNanos(1) / perSecond;
      long next = System.nanoTime();
      for (int i = 1; i <= count; i++) {
        LockSupport.parkNanos(next - System.nanoTime());
        next += period;
        telemetry.onReading(reading(i));
      }
      await(() -> subscriber.received.get() >= count, Duration.ofSeconds(30));
      long[] sorted =
          Arrays.copyOf(subscriber.latencyMicros, (int) Math.min(count, subscriber.received.get()));
      Arrays.sort(sorted);
      System.out.printf(
          "latency, reading to subscriber, QoS 1 at %,d readings/s for %d s: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%,d received)%n",
          perSecond,
          seconds,
          sorted[sorted.length / 2] / 1000.0,
          sorted[(int) (sorted.length * 0.99)] / 1000.0,
          sorted[sorted.length - 1] / 1000.0,
          sorted.length);
      telemetry.deactivate();
    }
  }

  /** Spools {@code count} readings with no broker, then waits for the script to start one. */
  private static void drain(String broker, int count) throws Exception {
    Path spool = Files.createTempDirectory("mqtt-bench");
    MqttTelemetry telemetry = telemetry(broker, 1, spool);
    for (int i = 1; i <= count; i++) telemetry.onReading(reading(i));
    System.out.printf(
        "outage: %,d readings spooled (%,d bytes on disk); start the broker now%n",
        count, telemetry.metrics().get("spoolBytes").longValue());
    Files.writeString(Path.of(System.getProperty("bench.ready", "/dev/null")), "spooled\n");
    await(() -> telemetry.metrics().get("connected").intValue() == 1, Duration.ofMinutes(2));
    long start = System.nanoTime();
    await(() -> telemetry.metrics().get("spoolPending").longValue() == 0, Duration.ofMinutes(5));
    double took = seconds(start, System.nanoTime());
    System.out.printf(
        "spool drain after the outage: %,d readings in %.2f s, %,.0f msg/s (QoS 1)%n",
        count, took, count / took);
    telemetry.deactivate();
  }

  private static double seconds(long from, long to) {
    return (to - from) / 1e9;
  }
}
