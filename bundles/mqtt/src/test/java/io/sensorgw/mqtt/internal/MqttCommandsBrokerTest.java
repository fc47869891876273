package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.Alarm;
import io.sensorgw.api.Calibratable;
import io.sensorgw.api.ExecutorStats;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.SensorState;
import io.sensorgw.api.Value;
import io.sensorgw.testing.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The component against a real Mosquitto, with sensors of this test (the component under test is
 * real; the sensors stand in for drivers): commands answered on their result topics, malformed ones
 * answered or counted without stopping telemetry, rate limiting, a read that hangs not holding up
 * others, alarms on their retained and event topics with their discovery.
 */
class MqttCommandsBrokerTest {
  private static final long DEADLINE_NANOS = TimeUnit.MINUTES.toNanos(2);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREFIX = "sensorgw/unit";

  @TempDir Path dir;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) closing.get(i).close();
  }

  /**
   * A sensor of this test: reads complete when {@code reading} says (null: at once), on another
   * thread.
   */
  static final class TestSensor implements Sensor, Calibratable {
    final String id;
    final AtomicLong sequence = new AtomicLong();
    volatile CompletableFuture<Reading> held; // non-null: reads wait on it
    volatile SensorState state = SensorState.OK;
    volatile int calibratedWith;

    TestSensor(String id) {
      this.id = id;
    }

    @Override
    public SensorInfo info() {
      return new SensorInfo(id, "testmodel", "distance", true, Duration.ofMillis(1500), "");
    }

    Reading next() {
      return new Reading(
          id,
          sequence.incrementAndGet(),
          Instant.now(),
          Map.of("distance", Value.of(42, "cm")),
          Quality.SIMULATED,
          Duration.ofMillis(1),
          "");
    }

    @Override
    public CompletionStage<Reading> read() {
      CompletableFuture<Reading> wait = held;
      return wait != null ? wait : CompletableFuture.supplyAsync(this::next);
    }

    @Override
    public CompletionStage<Map<String, Value>> calibrate(int samples) {
      calibratedWith = samples;
      return CompletableFuture.supplyAsync(() -> Map.of("ax", Value.of(0.01, "g")));
    }

    @Override
    public SensorState state() {
      return state;
    }

    @Override
    public ExecutorStats executorStats() {
      return new ExecutorStats(id, 1, 0, 0, 1, 0, 0, 0, 0, 0);
    }
  }

  /** A real client that records what arrives. */
  static final class Client implements AutoCloseable {
    final MqttClient client;
    final List<String[]> messages = new CopyOnWriteArrayList<>(); // topic, payload, retained

    Client(String uri, String... filters) throws Exception {
      client = new MqttClient(uri, "unit-" + System.nanoTime(), new MemoryPersistence());
      MqttConnectOptions options = new MqttConnectOptions();
      options.setConnectionTimeout(60);
      client.connect(options);
      for (String filter : filters) {
        client.subscribe(
            filter,
            1,
            (topic, message) ->
                messages.add(
                    new String[] {
                      topic,
                      new String(message.getPayload(), StandardCharsets.UTF_8),
                      String.valueOf(message.isRetained())
                    }));
      }
    }

    void publish(String topic, String payload) throws Exception {
      publish(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    void publish(String topic, byte[] payload) throws Exception {
      client.publish(topic, new MqttMessage(payload));
    }

    List<String> on(String topic) {
      return messages.stream().filter(m -> m[0].equals(topic)).map(m -> m[1]).toList();
    }

    /** The result with this id on a topic, or null. */
    JsonNode result(String topic, String id) {
      for (String payload : on(topic)) {
        try {
          JsonNode node = JSON.readTree(payload);
          if (id.equals(node.path("id").asText(null))) return node;
        } catch (Exception e) {
          throw new AssertionError("a result that is not JSON: " + payload);
        }
      }
      return null;
    }

    @Override
    public void close() throws Exception {
      if (client.isConnected()) client.disconnect(1000);
      client.close(true);
    }
  }

  private static void await(BooleanSupplier condition, String what, Supplier<String> details) {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("timed out waiting for " + what + ": " + details.get());
      LockSupport.parkNanos(20_000_000);
    }
  }

  private TestBroker broker() throws Exception {
    TestBroker broker = new TestBroker(dir.resolve("broker"));
    closing.add(broker);
    return broker;
  }

  private MqttTelemetry telemetry(TestBroker broker, String... lines) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "broker.uris=" + broker.uri(),
                "gateway.id=unit",
                "spool.dir=" + dir.resolve("spool"),
                "flush.timeout.ms=1000",
                "reconnect.min.ms=100",
                "reconnect.max.ms=500"));
    all.addAll(List.of(lines));
    MqttTelemetry telemetry = new MqttTelemetry(TestConfig.of(all.toArray(String[]::new)));
    closing.add(telemetry::deactivate);
    return telemetry;
  }

  private static TestSensor sensor(MqttTelemetry telemetry, String id, boolean calibratable) {
    TestSensor sensor = new TestSensor(id);
    telemetry.addSensor(
        calibratable ? sensor : plain(sensor),
        Map.of(Sensor.SENSOR_ID, id, Sensor.SENSOR_MODEL, "testmodel"));
    return sensor;
  }

  /** The same sensor without the Calibratable capability. */
  private static Sensor plain(TestSensor sensor) {
    return new Sensor() {
      @Override
      public SensorInfo info() {
        return sensor.info();
      }

      @Override
      public CompletionStage<Reading> read() {
        return sensor.read();
      }

      @Override
      public SensorState state() {
        return sensor.state();
      }

      @Override
      public ExecutorStats executorStats() {
        return sensor.executorStats();
      }
    };
  }

  private static long metric(MqttTelemetry telemetry, String name) {
    Number value = telemetry.metrics().get(name);
    return value == null ? -1 : value.longValue();
  }

  /**
   * Sends {@code read} until one is answered: the gateway's subscription is in place from then on.
   */
  private static void awaitCommandsReady(Client client, String sensorId) {
    AtomicLong n = new AtomicLong();
    AtomicReference<String> last = new AtomicReference<>("");
    String topic = PREFIX + "/" + sensorId + "/cmd/read";
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    while (true) {
      String id = "ready-" + n.incrementAndGet();
      try {
        client.publish(topic, "{\"id\":\"" + id + "\"}");
      } catch (Exception e) {
        last.set(e.toString());
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (System.nanoTime() < until) {
        if (client.result(topic + "/result", id) != null) return;
        LockSupport.parkNanos(20_000_000);
      }
      if (System.nanoTime() > deadline)
        throw new AssertionError("commands never answered " + last.get());
    }
  }

  private static JsonNode awaitResult(Client client, String requestTopic, String id) {
    AtomicReference<JsonNode> found = new AtomicReference<>();
    await(
        () -> {
          found.set(client.result(requestTopic + "/result", id));
          return found.get() != null;
        },
        "the result of " + id + " on " + requestTopic,
        () -> client.messages.size() + " messages");
    return found.get();
  }

  @Test
  void readAndCalibrateAreAnsweredOnTheirResultTopics() throws Exception {
    TestBroker broker = broker();
    MqttTelemetry telemetry =
        telemetry(broker, "commands.enabled=true", "commands.burst=100", "commands.rate.per.s=100");
    TestSensor imu = sensor(telemetry, "imu-1", true);
    sensor(telemetry, "lidar-1", false);
    Client client = new Client(broker.uri(), PREFIX + "/#");
    closing.add(client);
    awaitCommandsReady(client, "imu-1");

    String read = PREFIX + "/imu-1/cmd/read";
    client.publish(read, "{\"id\":\"r1\"}");
    JsonNode result = awaitResult(client, read, "r1");
    assertEquals("ok", result.get("status").asText(), result.toString());
    JsonNode body = result.get("body");
    assertEquals("imu-1", body.get("sensor").asText());
    assertEquals(42, body.get("values").get("distance").get("value").asDouble());
    assertEquals("cm", body.get("values").get("distance").get("unit").asText());
    assertEquals(
        JSON.valueToTree(io.sensorgw.format.ReadingFormat.reading(imu.next())).fieldNames().next(),
        body.fieldNames().next(),
        "the telemetry shape");

    String calibrate = PREFIX + "/imu-1/cmd/calibrate";
    client.publish(calibrate, "{\"id\":\"c1\",\"samples\":25}");
    result = awaitResult(client, calibrate, "c1");
    assertEquals("ok", result.get("status").asText(), result.toString());
    assertEquals(25, result.get("body").get("samples").asInt());
    assertEquals(0.01, result.get("body").get("offsets").get("ax").get("value").asDouble());
    assertEquals(25, imu.calibratedWith);

    client.publish(calibrate, "{\"id\":\"c2\",\"samples\":100001}");
    assertEquals("bad_request", awaitResult(client, calibrate, "c2").get("status").asText());
    String lidarCalibrate = PREFIX + "/lidar-1/cmd/calibrate";
    client.publish(lidarCalibrate, "{\"id\":\"c3\"}");
    assertEquals("unsupported", awaitResult(client, lidarCalibrate, "c3").get("status").asText());
    String config = PREFIX + "/cmd/config";
    client.publish(
        config, "{\"id\":\"k1\",\"pid\":\"io.sensorgw.store\",\"properties\":{\"batch.size\":5}}");
    JsonNode forbidden = awaitResult(client, config, "k1");
    assertEquals("forbidden", forbidden.get("status").asText(), "the default allow-list is empty");
    client.publish(
        config,
        "{\"id\":\"k2\",\"pid\":\"io.sensorgw.device.imx477-cam\",\"properties\":{\"still.command\":\"sh\"}}");
    assertEquals("forbidden", awaitResult(client, config, "k2").get("status").asText());
  }

  @Test
  void malformedCommandsAreAnsweredOrCountedAndTelemetryGoesOn() throws Exception {
    TestBroker broker = broker();
    MqttTelemetry telemetry =
        telemetry(broker, "commands.enabled=true", "commands.burst=100", "commands.rate.per.s=100");
    TestSensor imu = sensor(telemetry, "imu-1", true);
    Client client = new Client(broker.uri(), PREFIX + "/#");
    closing.add(client);
    awaitCommandsReady(client, "imu-1");
    long receivedBefore = metric(telemetry, "commandsReceived");

    String read = PREFIX + "/imu-1/cmd/read";
    byte[] oversized =
        ("{\"id\":\"big\",\"pad\":\"" + "x".repeat(5000) + "\"}").getBytes(StandardCharsets.UTF_8);
    // 20 malformed: topic, payload, the status expected on <topic>/result (null: only counted)
    List<Object[]> malformed =
        List.of(
            new Object[] {read, "not json".getBytes(StandardCharsets.UTF_8), "bad_request"},
            new Object[] {read, "{\"id\":".getBytes(StandardCharsets.UTF_8), "bad_request"},
            new Object[] {read, "[1,2,3]".getBytes(StandardCharsets.UTF_8), "bad_request"},
            new Object[] {read, "\"text\"".getBytes(StandardCharsets.UTF_8), "bad_request"},
            new Object[] {read, new byte[0], "bad_request"},
            new Object[] {read, new byte[] {(byte) 0xff, (byte) 0xfe, 0}, "bad_request"},
            new Object[] {read, oversized, "bad_request"},
            new Object[] {read, "{}".getBytes(StandardCharsets.UTF_8), "bad_request"},
            new Object[] {read, "{\"id\":7}".getBytes(StandardCharsets.UTF_8), "bad_request"},
            new Object[] {
              read,
              ("{\"id\":\"" + "i".repeat(65) + "\"}").getBytes(StandardCharsets.UTF_8),
              "bad_request"
            },
            new Object[] {
              PREFIX + "/imu-1/cmd/explode",
              "{\"id\":\"m11\"}".getBytes(StandardCharsets.UTF_8),
              "unknown_verb"
            },
            new Object[] {
              PREFIX + "/cmd/reboot",
              "{\"id\":\"m12\"}".getBytes(StandardCharsets.UTF_8),
              "unknown_verb"
            },
            new Object[] {
              PREFIX + "/nobody/cmd/read",
              "{\"id\":\"m13\"}".getBytes(StandardCharsets.UTF_8),
              "unknown_sensor"
            },
            new Object[] {
              PREFIX + "/imu-1/cmd/calibrate",
              "{\"id\":\"m14\",\"samples\":\"many\"}".getBytes(StandardCharsets.UTF_8),
              "bad_request"
            },
            new Object[] {
              PREFIX + "/cmd/config",
              "{\"id\":\"m15\"}".getBytes(StandardCharsets.UTF_8),
              "bad_request"
            },
            new Object[] {
              PREFIX + "/cmd/config",
              "{\"id\":\"m16\",\"pid\":\"x\",\"properties\":{\".password\":\"p\"}}"
                  .getBytes(StandardCharsets.UTF_8),
              "forbidden"
            },
            new Object[] {
              PREFIX + "/cmd/config",
              "{\"id\":\"m17\",\"pid\":\"x\",\"properties\":[1]}".getBytes(StandardCharsets.UTF_8),
              "bad_request"
            },
            new Object[] {
              PREFIX + "/imu-1/cmd/read/extra",
              "{\"id\":\"m18\"}".getBytes(StandardCharsets.UTF_8),
              null
            },
            new Object[] {
              PREFIX + "/imu-1/cmd/", "{\"id\":\"m19\"}".getBytes(StandardCharsets.UTF_8), null
            },
            new Object[] {
              PREFIX + "/cmd/config/x", "{\"id\":\"m20\"}".getBytes(StandardCharsets.UTF_8), null
            });
    assertEquals(20, malformed.size());
    for (Object[] m : malformed) client.publish((String) m[0], (byte[]) m[1]);

    await(
        () -> metric(telemetry, "commandsReceived") - receivedBefore >= 20,
        "20 commands received",
        () -> telemetry.metrics().toString());
    await(
        () -> metric(telemetry, "commandsPending") == 0,
        "every command answered",
        () -> telemetry.metrics().toString());
    for (Object[] m : malformed) {
      String topic = (String) m[0];
      String expected = (String) m[2];
      if (expected == null) continue;
      List<String> statuses = new ArrayList<>();
      await(
          () -> {
            statuses.clear();
            for (String payload : client.on(topic + "/result")) {
              try {
                statuses.add(JSON.readTree(payload).get("status").asText());
              } catch (Exception e) {
                throw new AssertionError(payload);
              }
            }
            return statuses.contains(expected);
          },
          expected + " on " + topic + "/result",
          statuses::toString);
    }
    assertEquals(
        3, metric(telemetry, "commandsMalformedTopic"), "the three with wrong levels are counted");
    assertTrue(metric(telemetry, "commandsBadRequest") >= 13, telemetry.metrics().toString());
    assertEquals(2, metric(telemetry, "commandsUnknownVerb"));
    assertEquals(1, metric(telemetry, "commandsUnknownSensor"));
    assertEquals(1, metric(telemetry, "commandsForbidden"));

    // Still sending telemetry, still answering.
    telemetry.onReading(imu.next());
    await(
        () -> !client.on(PREFIX + "/imu-1/reading").isEmpty(),
        "a reading after the malformed commands",
        () -> "");
    client.publish(read, "{\"id\":\"after\"}");
    assertEquals("ok", awaitResult(client, read, "after").get("status").asText());
  }

  @Test
  void beyondTheRateCommandsAreRateLimited() throws Exception {
    TestBroker broker = broker();
    MqttTelemetry telemetry =
        telemetry(broker, "commands.enabled=true", "commands.burst=3", "commands.rate.per.s=1");
    sensor(telemetry, "imu-1", true);
    Client client = new Client(broker.uri(), PREFIX + "/#");
    closing.add(client);
    awaitCommandsReady(client, "imu-1");
    String read = PREFIX + "/imu-1/cmd/read";
    for (int i = 0; i < 10; i++) client.publish(read, "{\"id\":\"rl" + i + "\"}");
    List<String> statuses = new ArrayList<>();
    await(
        () -> {
          statuses.clear();
          for (int i = 0; i < 10; i++) {
            JsonNode result = client.result(read + "/result", "rl" + i);
            if (result != null) statuses.add(result.get("status").asText());
          }
          return statuses.size() == 10;
        },
        "10 results",
        statuses::toString);
    long limited = statuses.stream().filter("rate_limited"::equals).count();
    // A burst of 3 at 1/s: of 10 sent at once, at most 3 plus what refilled while they were sent.
    assertTrue(limited >= 5, statuses.toString());
    assertTrue(statuses.contains("ok"), statuses.toString());
    assertEquals(limited, metric(telemetry, "commandsRateLimited"));
  }

  @Test
  void aReadThatHangsHoldsUpNeitherOtherCommandsNorTelemetry() throws Exception {
    TestBroker broker = broker();
    MqttTelemetry telemetry =
        telemetry(
            broker,
            "commands.enabled=true",
            "commands.burst=100",
            "commands.rate.per.s=100",
            "commands.timeout.ms=1000");
    TestSensor stuck = sensor(telemetry, "stuck-1", true);
    TestSensor imu = sensor(telemetry, "imu-1", true);
    Client client = new Client(broker.uri(), PREFIX + "/#");
    closing.add(client);
    awaitCommandsReady(client, "imu-1");
    stuck.held = new CompletableFuture<>(); // never completes: a device that hangs
    String stuckRead = PREFIX + "/stuck-1/cmd/read";
    client.publish(stuckRead, "{\"id\":\"s1\"}");
    String read = PREFIX + "/imu-1/cmd/read";
    client.publish(read, "{\"id\":\"fast\"}");
    assertEquals("ok", awaitResult(client, read, "fast").get("status").asText());
    telemetry.onReading(imu.next());
    await(
        () -> !client.on(PREFIX + "/imu-1/reading").isEmpty(),
        "telemetry while a read hangs",
        () -> "");
    JsonNode timedOut = awaitResult(client, stuckRead, "s1");
    assertEquals("failed", timedOut.get("status").asText());
    assertTrue(timedOut.get("body").get("error").asText().contains("1000 ms"), timedOut.toString());
    assertTrue(!stuck.held.isDone(), "the sensor's own stage is left alone");
  }

  @Test
  void withCommandsOffNothingIsAnswered() throws Exception {
    TestBroker broker = broker();
    MqttTelemetry telemetry = telemetry(broker);
    TestSensor imu = sensor(telemetry, "imu-1", true);
    Client client = new Client(broker.uri(), PREFIX + "/#");
    closing.add(client);
    await(() -> metric(telemetry, "connected") == 1, "connected", () -> "");
    client.publish(PREFIX + "/imu-1/cmd/read", "{\"id\":\"off\"}");
    // The reading published after the command arrives after any answer would have: the spool is in
    // order.
    telemetry.onReading(imu.next());
    await(() -> !client.on(PREFIX + "/imu-1/reading").isEmpty(), "a reading", () -> "");
    assertEquals(List.of(), client.on(PREFIX + "/imu-1/cmd/read/result"));
    assertEquals(-1, metric(telemetry, "commandsReceived"), "no command counters when off");
  }

  @Test
  void sensorAvailabilityFollowsItsState() throws Exception {
    TestBroker broker = broker();
    MqttTelemetry telemetry =
        telemetry(
            broker,
            "homeassistant.discovery=true",
            "commands.enabled=true",
            "homeassistant.expire.after.min.s=1");
    TestSensor imu = sensor(telemetry, "imu-1", true);
    Client client = new Client(broker.uri(), PREFIX + "/#", "homeassistant/#");
    closing.add(client);
    String availability = PREFIX + "/imu-1/availability";
    await(
        () -> client.on(availability).contains("online"),
        "online while OK",
        () -> client.on(availability).toString());
    imu.state = SensorState.ERROR;
    await(
        () -> client.on(availability).contains("offline"),
        "offline in ERROR",
        () -> client.on(availability).toString());
    imu.state = SensorState.OK;
    await(
        () ->
            client.on(availability).lastIndexOf("online")
                > client.on(availability).indexOf("offline"),
        "online again",
        () -> client.on(availability).toString());

    telemetry.onReading(imu.next());
    String config = "homeassistant/sensor/unit/imu-1_distance/config";
    await(() -> !client.on(config).isEmpty(), "the discovery config", () -> "");
    JsonNode discovery = JSON.readTree(client.on(config).get(0));
    assertEquals(2, discovery.get("expire_after").asInt(), "1.5 s of max age, rounded up");
    assertEquals("all", discovery.get("availability_mode").asText());
    await(
        () -> !client.on("homeassistant/button/unit/imu-1_calibrate/config").isEmpty(),
        "the calibrate button",
        () -> "");
    assertEquals(
        PREFIX + "/imu-1/cmd/read",
        JSON.readTree(client.on("homeassistant/button/unit/imu-1_read/config").get(0))
            .get("command_topic")
            .asText());
    JsonNode gateway =
        JSON.readTree(client.on("homeassistant/binary_sensor/unit/gateway_status/config").get(0));
    assertEquals(
        discovery.get("device").get("via_device").asText(),
        gateway.get("device").get("identifiers").get(0).asText());
  }

  @Test
  void alarmsGoToARetainedStateAndEventsWithDiscovery() throws Exception {
    TestBroker broker = broker();
    MqttTelemetry telemetry = telemetry(broker, "homeassistant.discovery=true");
    Instant raised = Instant.parse("2026-01-02T03:04:05Z");
    telemetry.onAlarm(
        new Alarm(
            "lidar-close",
            "tfluna-1",
            "distance below 30 cm for 500 ms",
            true,
            raised,
            25.5,
            "cm"));
    telemetry.onAlarm(
        new Alarm(
            "lidar-close",
            "tfluna-1",
            "distance below 30 cm for 500 ms",
            false,
            raised.plusSeconds(3),
            36,
            "cm"));
    telemetry.onAlarm(
        new Alarm("lidar-error", "tfluna-1", "state error for 10 s", true, raised, Double.NaN, ""));
    Client events =
        new Client(broker.uri(), PREFIX + "/alarm/+/event", "homeassistant/binary_sensor/#");
    closing.add(events);
    // Published before this client subscribed? The events are not retained; the state is. Wait on
    // the
    // state first, through a late subscriber, then on events of a fresh change.
    String state = PREFIX + "/alarm/lidar-close";
    Client late = new Client(broker.uri(), state);
    closing.add(late);
    await(
        () -> late.on(state).stream().anyMatch(p -> !Json.parse(p).path("active").asBoolean(true)),
        "the retained cleared state",
        () -> late.on(state).toString() + broker.log());
    JsonNode cleared = JSON.readTree(late.on(state).get(late.on(state).size() - 1));
    assertEquals("lidar-close", cleared.get("rule").asText());
    assertEquals("tfluna-1", cleared.get("sensor").asText());
    assertEquals("distance below 30 cm for 500 ms", cleared.get("condition").asText());
    assertEquals("2026-01-02T03:04:08Z", cleared.get("since").asText());
    assertEquals(36, cleared.get("value").asDouble());
    assertEquals("cm", cleared.get("unit").asText());
    assertTrue(late.messages.get(0)[2].equals("true"), "retained");

    telemetry.onAlarm(
        new Alarm(
            "lidar-close",
            "tfluna-1",
            "distance below 30 cm for 500 ms",
            true,
            raised.plusSeconds(10),
            20,
            "cm"));
    String event = state + "/event";
    // The first three may still be on their way to the broker when this client subscribed: wait
    // for the fresh change itself.
    await(
        () ->
            events.on(event).stream()
                .anyMatch(p -> Json.parse(p).path("since").asText().equals("2026-01-02T03:04:15Z")),
        "the fresh change's event",
        () -> events.messages.toString());
    String fresh =
        events.on(event).stream()
            .filter(p -> Json.parse(p).path("since").asText().equals("2026-01-02T03:04:15Z"))
            .findFirst()
            .orElseThrow();
    JsonNode again = JSON.readTree(fresh);
    assertTrue(again.get("active").asBoolean());
    assertEquals(20, again.get("value").asDouble());
    assertTrue(
        events.messages.stream()
            .filter(m -> m[0].equals(event))
            .allMatch(m -> m[2].equals("false")),
        "not retained");

    Client errorState = new Client(broker.uri(), PREFIX + "/alarm/lidar-error");
    closing.add(errorState);
    await(
        () -> !errorState.on(PREFIX + "/alarm/lidar-error").isEmpty(),
        "the state rule's alarm",
        () -> "");
    assertTrue(
        JSON.readTree(errorState.on(PREFIX + "/alarm/lidar-error").get(0)).get("value").isNull(),
        "NaN is null");
    String discovery = "homeassistant/binary_sensor/unit/alarm_lidar-close/config";
    await(
        () -> !events.on(discovery).isEmpty(),
        "the alarm's discovery (retained)",
        () -> events.messages.toString());
    assertEquals(
        "problem", JSON.readTree(events.on(discovery).get(0)).get("device_class").asText());
    assertEquals(3 + 1, metric(telemetry, "alarmsPublished"));
  }
}
