package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT telemetry of the exported gateway against a real Mosquitto, received by a real MQTT client:
 * topics and JSON, a broker restart and a gateway restart without loss, the last will, TLS with a
 * wrong password, Home Assistant discovery.
 */
class MqttIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long DEADLINE_NANOS = RunningGateway.DEADLINE.toNanos();

  @TempDir Path temp;

  /** A message as the subscriber got it. */
  record Received(String topic, String payload, boolean retained) {}

  /** A real MQTT client that keeps its session across broker restarts and records what arrives. */
  static final class Subscriber implements MqttCallbackExtended, AutoCloseable {
    final List<Received> messages = new CopyOnWriteArrayList<>();
    final MqttClient client;

    Subscriber(String uri, String... filters) throws MqttException {
      this(uri, null, null, null, filters);
    }

    Subscriber(String uri, SSLSocketFactory tls, String user, String password, String... filters)
        throws MqttException {
      client = new MqttClient(uri, "it-subscriber-" + System.nanoTime(), new MemoryPersistence());
      client.setCallback(this);
      MqttConnectOptions options = new MqttConnectOptions();
      options.setCleanSession(false); // the broker queues QoS 1 for us while we are away
      options.setAutomaticReconnect(true);
      options.setMaxReconnectDelay(500);
      options.setConnectionTimeout((int) RunningGateway.DEADLINE.toSeconds()); // not Paho's 30 s
      if (tls != null) options.setSocketFactory(tls);
      if (user != null) {
        options.setUserName(user);
        options.setPassword(password.toCharArray());
      }
      client.connect(options);
      for (String filter : filters) client.subscribe(filter, 1);
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {}

    @Override
    public void connectionLost(Throwable cause) {}

    @Override
    public void messageArrived(String topic, MqttMessage message) {
      messages.add(
          new Received(
              topic,
              new String(message.getPayload(), StandardCharsets.UTF_8),
              message.isRetained()));
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {}

    List<Received> on(String topic) {
      return messages.stream().filter(m -> m.topic().equals(topic)).toList();
    }

    @Override
    public void close() throws MqttException {
      if (client.isConnected()) client.disconnect(1000);
      client.close(true);
    }
  }

  private static void await(
      BooleanSupplier condition, String what, java.util.function.Supplier<String> details) {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("timed out waiting for " + what + ": " + details.get());
      LockSupport.parkNanos(50_000_000);
    }
  }

  /**
   * A gateway home with MQTT configured and the simulated TF-Luna publishing every frame (100 Hz).
   */
  private Path home(String name, String... mqttLines) throws Exception {
    Path home = Files.createDirectories(temp.resolve(name));
    Path config = Files.createDirectories(home.resolve("config"));
    Files.writeString(
        config.resolve("io.sensorgw.device.tfluna-sim.cfg"),
        String.join(
            "\n",
            "sensor.id=tfluna-1",
            "mode=simulated",
            "output.rate.hz=100",
            "max.age.ms=100",
            "publish.interval.ms=0",
            ""));
    List<String> lines =
        new ArrayList<>(List.of("gateway.id=it", "reconnect.min.ms=200", "reconnect.max.ms=1000"));
    lines.addAll(List.of(mqttLines));
    Files.write(config.resolve("io.sensorgw.mqtt.cfg"), lines);
    return home;
  }

  private static double metric(RunningGateway gateway, String name) {
    Pattern line = RunningGateway.sourceMetricLine("mqtt", name);
    try {
      Matcher m = line.matcher(gateway.get("/metrics", null).body());
      return m.find() ? Double.parseDouble(m.group(1)) : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  /** The sequence numbers of reading messages, in arrival order. */
  private static List<Long> sequences(List<Received> readings) {
    List<Long> sequences = new ArrayList<>();
    for (Received r : readings) {
      try {
        sequences.add(JSON.readTree(r.payload()).get("sequence").asLong());
      } catch (Exception e) {
        throw new AssertionError("not JSON: " + r.payload());
      }
    }
    return sequences;
  }

  /**
   * Distinct sequences in first-arrival order must rise by one each time: nothing lost, in order.
   */
  private static void assertContiguousInOrder(List<Long> sequences, String what) {
    Set<Long> distinct = new LinkedHashSet<>(sequences);
    long previous = -1;
    for (long sequence : distinct) {
      if (previous >= 0)
        assertEquals(previous + 1, sequence, what + ": after " + previous + " came " + sequence);
      previous = sequence;
    }
  }

  @Test
  void readingsArriveAsJsonAndABrokerRestartLosesNothing() throws Exception {
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"))) {
      Path home = home("gw", "broker.uris=" + broker.uri(), "qos=1");
      try (Subscriber subscriber = new Subscriber(broker.uri(), "sensorgw/it/#");
          RunningGateway gateway = new RunningGateway(home)) {
        String topic = "sensorgw/it/tfluna-1/reading";
        await(
            () -> subscriber.on(topic).size() >= 50,
            "50 readings of tfluna-1",
            () -> subscriber.messages.size() + " messages");
        JsonNode reading = JSON.readTree(subscriber.on(topic).get(0).payload());
        assertEquals("tfluna-1", reading.get("sensor").asText());
        assertEquals("simulated", reading.get("quality").asText());
        assertTrue(
            reading.get("values").get("distance").get("value").isNumber(), reading.toString());
        assertEquals("cm", reading.get("values").get("distance").get("unit").asText());
        assertTrue(
            subscriber.on("sensorgw/it/status").stream()
                .anyMatch(m -> m.payload().equals("online")),
            "status online");

        broker.stop();
        // Readings keep coming and go to the spool.
        await(
            () -> metric(gateway, "connected") == 0 && metric(gateway, "spoolPending") > 200,
            "200 readings spooled while the broker is down",
            () -> "pending " + metric(gateway, "spoolPending"));
        long newestSpooled =
            JSON.readTree(gateway.get("/api/sensors/tfluna-1/reading", null).body())
                .get("sequence")
                .asLong();
        broker.start();
        await(() -> metric(gateway, "connected") == 1, "the gateway reconnected", () -> "");
        long pendingAfterOutage = (long) metric(gateway, "spoolPending");
        // Everything produced during the outage arrives: the subscriber sees the newest spooled
        // one.
        await(
            () -> sequences(subscriber.on(topic)).stream().anyMatch(s -> s >= newestSpooled),
            "reading " + newestSpooled + ", spooled during the outage",
            () ->
                "subscriber connected "
                    + subscriber.client.isConnected()
                    + ", got "
                    + subscriber.on(topic).size()
                    + "; broker log: "
                    + broker.log());
        List<Long> received = sequences(subscriber.on(topic));
        assertContiguousInOrder(received, "tfluna-1 across the broker restart");
        long duplicates = received.size() - new LinkedHashSet<>(received).size();
        System.out.printf(
            "mqtt broker restart: %d readings, %d duplicates, %d were pending after the outage%n",
            received.size(), duplicates, pendingAfterOutage);
      }
    }
  }

  @Test
  void readingsSpooledBeforeAGatewayRestartArriveOnceBothAreBack() throws Exception {
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"))) {
      Path home = home("gw", "broker.uris=" + broker.uri(), "qos=1");
      try (Subscriber subscriber = new Subscriber(broker.uri(), "sensorgw/it/tfluna-1/reading")) {
        long lastSpooled;
        try (RunningGateway gateway = new RunningGateway(home)) {
          await(() -> subscriber.messages.size() >= 20, "readings flowing", () -> "");
          broker.stop();
          await(() -> metric(gateway, "spoolPending") > 100, "readings spooled", () -> "");
          lastSpooled =
              JSON.readTree(gateway.get("/api/sensors/tfluna-1/reading", null).body())
                  .get("sequence")
                  .asLong();
        } // SIGTERM: the gateway stops with its spool on disk
        int before = subscriber.messages.size();
        broker.start();
        try (RunningGateway again = new RunningGateway(home)) {
          // The first run's readings: sequences up to lastSpooled and beyond, then the second run
          // starts at 1.
          await(
              () -> firstRun(subscriber).stream().anyMatch(s -> s >= lastSpooled),
              "the first run's spooled readings through " + lastSpooled,
              () -> firstRun(subscriber).size() + " of the first run; broker log: " + broker.log());
          assertContiguousInOrder(
              firstRun(subscriber), "the first run's readings across the restart");
          assertTrue(subscriber.messages.size() > before, "delivered after the restart");
          await(() -> metric(again, "connected") == 1, "connected", () -> "");
        }
      }
    }
  }

  /** tfluna-1 sequences received until the sequence numbers start again (the second run). */
  private static List<Long> firstRun(Subscriber subscriber) {
    List<Long> all = sequences(subscriber.messages);
    List<Long> first = new ArrayList<>();
    long max = -1;
    for (long s : all) {
      if (max > 100 && s < 10) break; // the restarted gateway's sensor counts from 1 again
      first.add(s);
      max = Math.max(max, s);
    }
    return first;
  }

  @Test
  void aStoppedGatewaySaysOfflineItself() throws Exception {
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"))) {
      Path home =
          home("gw", "broker.uris=" + broker.uri(), "keep.alive.s=60"); // the will would take 90 s
      try (Subscriber subscriber = new Subscriber(broker.uri(), "sensorgw/it/status");
          RunningGateway gateway =
              new RunningGateway(home)) { // closed again, a no-op, if all went well
        await(
            () -> subscriber.messages.stream().anyMatch(m -> m.payload().equals("online")),
            "online",
            () -> "");
        gateway.close(); // SIGTERM: the bundle stops and publishes offline before disconnecting
        int exit = gateway.process.exitValue();
        assertTrue(exit == 0 || exit == 143, "a clean stop on SIGTERM, exit " + exit);
        await(
            () ->
                subscriber.messages.get(subscriber.messages.size() - 1).payload().equals("offline"),
            "offline from the stopping gateway",
            () -> subscriber.messages.toString());
      }
    }
  }

  @Test
  void aKilledGatewayLeavesOfflineOnItsStatusTopic() throws Exception {
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"))) {
      Path home = home("gw", "broker.uris=" + broker.uri(), "keep.alive.s=2");
      try (Subscriber subscriber = new Subscriber(broker.uri(), "sensorgw/it/status");
          RunningGateway gateway = new RunningGateway(home)) {
        await(
            () -> subscriber.messages.stream().anyMatch(m -> m.payload().equals("online")),
            "online",
            () -> "");
        gateway
            .process
            .destroyForcibly()
            .waitFor(RunningGateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
        await(
            () ->
                !subscriber.messages.isEmpty()
                    && subscriber
                        .messages
                        .get(subscriber.messages.size() - 1)
                        .payload()
                        .equals("offline"),
            "the last will",
            () -> subscriber.messages.toString());
      }
      // Retained: a client that subscribes later sees offline too.
      try (Subscriber late = new Subscriber(broker.uri(), "sensorgw/it/status")) {
        await(() -> !late.messages.isEmpty(), "the retained status", () -> "");
        assertEquals("offline", late.messages.get(0).payload());
        assertTrue(late.messages.get(0).retained());
      }
    }
  }

  @Test
  void tlsWithAWrongPasswordIsRefusedCleanlyAndTheRightOneDelivers() throws Exception {
    Path pki = Files.createDirectories(temp.resolve("pki"));
    Mosquitto.run(
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=sensorgw test CA"),
        pki);
    Files.writeString(pki.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    Mosquitto.run(
        List.of(
            "openssl",
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost"),
        pki);
    Mosquitto.run(
        List.of(
            "openssl",
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext"),
        pki);
    Path brokerDir = temp.resolve("broker");
    List<String> config =
        new ArrayList<>(Mosquitto.passwordConfig(brokerDir, "gateway", "right horse"));
    config.addAll(
        List.of(
            "cafile " + pki.resolve("ca.pem"),
            "certfile " + pki.resolve("server.pem"),
            "keyfile " + pki.resolve("server.key")));
    try (Mosquitto broker = new Mosquitto(brokerDir, config)) {
      String uri = "ssl://127.0.0.1:" + broker.port;
      Path home =
          home(
              "gw",
              "broker.uris=" + uri,
              "tls.ca.file=" + pki.resolve("ca.pem"),
              "username=gateway",
              ".password=wrong horse");
      try (RunningGateway gateway = new RunningGateway(home)) {
        await(
            () -> metric(gateway, "connectFailures") >= 2, "refused connection attempts", () -> "");
        assertEquals(0, metric(gateway, "connected"));
        // Readings reach the spool on their own schedule, independent of the connection attempts.
        await(() -> metric(gateway, "spoolPending") > 0, "readings kept meanwhile", () -> "");
        assertEquals(200, gateway.status("/health", null), "the gateway itself is fine");
        await(
            () -> {
              try {
                String log = Files.readString(gateway.log);
                return log.contains("bad user name or password") || log.contains("not authorized");
              } catch (java.io.IOException e) {
                return false;
              }
            },
            "a clear log line",
            () -> "");

        Files.writeString(
            home.resolve("config/io.sensorgw.mqtt.cfg"),
            Files.readString(home.resolve("config/io.sensorgw.mqtt.cfg"))
                .replace("wrong horse", "right horse"));
        await(
            () -> metric(gateway, "connected") == 1,
            "connected over TLS with the right password",
            () -> "");
        SSLSocketFactory tls = tlsTrusting(pki.resolve("ca.pem"));
        try (Subscriber subscriber =
            new Subscriber(uri, tls, "gateway", "right horse", "sensorgw/it/tfluna-1/reading")) {
          await(() -> subscriber.messages.size() >= 10, "readings over TLS", () -> "");
        }
      }
    }
  }

  /** The test's own trust in the generated CA, through the JDK only. */
  private static SSLSocketFactory tlsTrusting(Path caPem) throws Exception {
    java.security.cert.Certificate ca;
    try (var in = Files.newInputStream(caPem)) {
      ca = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    java.security.KeyStore store =
        java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("ca", ca);
    javax.net.ssl.TrustManagerFactory trust =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context.getSocketFactory();
  }

  @Test
  void homeAssistantDiscoveryDescribesEachValueAndForgetsARemovedSensor() throws Exception {
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"))) {
      Path home = home("gw", "broker.uris=" + broker.uri(), "homeassistant.discovery=true");
      try (Subscriber subscriber = new Subscriber(broker.uri(), "homeassistant/#");
          RunningGateway gateway = new RunningGateway(home)) {
        String distance = "homeassistant/sensor/it/tfluna-1_distance/config";
        await(
            () -> !subscriber.on(distance).isEmpty(),
            "the distance entity",
            () -> subscriber.messages.toString());
        JsonNode config = JSON.readTree(subscriber.on(distance).get(0).payload());
        assertEquals("distance", config.get("device_class").asText());
        assertEquals("cm", config.get("unit_of_measurement").asText());
        assertEquals("measurement", config.get("state_class").asText());
        assertEquals("sensorgw/it/tfluna-1/reading", config.get("state_topic").asText());
        assertEquals(
            "{{ value_json['values']['distance']['value'] }}",
            config.get("value_template").asText());
        // Available while the gateway is online and the sensor's state is OK; expiring after its
        // max age.
        assertEquals("sensorgw/it/status", config.get("availability").get(0).get("topic").asText());
        assertEquals(
            "sensorgw/it/tfluna-1/availability",
            config.get("availability").get(1).get("topic").asText());
        assertEquals("all", config.get("availability_mode").asText());
        assertEquals(60, config.get("expire_after").asInt(), "max.age.ms=100: the minimum, 60 s");
        assertEquals("sensorgw_it", config.get("device").get("via_device").asText());
        String gatewayDevice = "homeassistant/binary_sensor/it/gateway_status/config";
        await(
            () -> !subscriber.on(gatewayDevice).isEmpty(),
            "the gateway's device",
            () -> subscriber.messages.toString());
        assertEquals(
            "sensorgw_it",
            JSON.readTree(subscriber.on(gatewayDevice).get(0).payload())
                .get("device")
                .get("identifiers")
                .get(0)
                .asText());
        assertTrue(
            subscriber.messages.stream()
                .noneMatch(m -> m.topic().startsWith("homeassistant/button/")),
            "no command buttons while commands are off");
        assertEquals("sensorgw_it_tfluna-1_distance", config.get("unique_id").asText());
        assertEquals(
            "sensorgw_it_tfluna-1", config.get("device").get("identifiers").get(0).asText());
        assertEquals("tfluna", config.get("device").get("model").asText());
        // The IMU's values are entities of another device; acceleration has no device class.
        // (The default IMU samples only on request: one request publishes a reading. Its driver is
        // hot-deployed and may come up after the TF-Luna's: wait for it.)
        gateway.awaitResponse(
            "/api/sensors/mpu6050-1/reading", r -> r.statusCode() == 200, "an IMU reading");
        String accel = "homeassistant/sensor/it/mpu6050-1_accel_x/config";
        await(() -> !subscriber.on(accel).isEmpty(), "the IMU's entities", () -> "");
        JsonNode imu = JSON.readTree(subscriber.on(accel).get(0).payload());
        assertEquals("sensorgw_it_mpu6050-1", imu.get("device").get("identifiers").get(0).asText());
        assertTrue(imu.get("device_class") == null, imu.toString());

        // Removing the TF-Luna's bundle removes its entities: an empty retained config.
        Files.move(
            home.resolve("deploy/io.sensorgw.device.tfluna.jar"), home.resolve("tfluna.jar.aside"));
        await(
            () -> subscriber.on(distance).stream().anyMatch(m -> m.payload().isEmpty()),
            "the entity removed",
            () -> subscriber.on(distance).toString());
      }
    }
  }
}
