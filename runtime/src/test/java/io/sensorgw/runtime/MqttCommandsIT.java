package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.runtime.MqttIT.Received;
import io.sensorgw.runtime.MqttIT.Subscriber;
import io.sensorgw.runtime.alarmsource.AlarmSource;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MQTT commands of the exported gateway against a real Mosquitto: a read of the simulated TF-Luna,
 * a calibration of the simulated MPU-6050, a configuration key set through the real ConfigAdmin and
 * seen applied over HTTP, forbidden keys refused, and 20 malformed commands that leave the gateway
 * publishing and answering; alarms from the AlarmListener whiteboard on their topics.
 */
class MqttCommandsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long DEADLINE_NANOS = RunningGateway.DEADLINE.toNanos();
  private static final String PREFIX = "sensorgw/it";

  @TempDir Path temp;

  private static void await(BooleanSupplier condition, String what, Supplier<String> details) {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline)
        throw new AssertionError("timed out waiting for " + what + ": " + details.get());
      LockSupport.parkNanos(50_000_000);
    }
  }

  private Path home() throws Exception {
    Path home = Files.createDirectories(temp.resolve("gw"));
    Path config = Files.createDirectories(home.resolve("config"));
    Files.writeString(
        config.resolve("io.sensorgw.device.tfluna-sim.cfg"),
        String.join(
            "\n",
            "sensor.id=tfluna-1",
            "mode=simulated",
            "output.rate.hz=100",
            "max.age.ms=100",
            "publish.interval.ms=200",
            ""));
    return home;
  }

  private static JsonNode result(Subscriber subscriber, String requestTopic, String id) {
    for (Received message : subscriber.on(requestTopic + "/result")) {
      try {
        JsonNode node = JSON.readTree(message.payload());
        if (id.equals(node.path("id").asText(null))) return node;
      } catch (Exception e) {
        throw new AssertionError("a result that is not JSON: " + message.payload());
      }
    }
    return null;
  }

  private static JsonNode command(Subscriber subscriber, String topic, String payload, String id)
      throws Exception {
    subscriber.client.publish(topic, new MqttMessage(payload.getBytes(StandardCharsets.UTF_8)));
    AtomicReference<JsonNode> found = new AtomicReference<>();
    await(
        () -> {
          found.set(result(subscriber, topic, id));
          return found.get() != null;
        },
        "the result of " + id + " on " + topic,
        () -> subscriber.messages.size() + " messages");
    return found.get();
  }

  /** Sends a read until one is answered: the gateway has subscribed from then on. */
  private static void awaitCommands(Subscriber subscriber) throws Exception {
    String topic = PREFIX + "/tfluna-1/cmd/read";
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    for (int n = 0; ; n++) {
      subscriber.client.publish(
          topic,
          new MqttMessage(("{\"id\":\"ready-" + n + "\"}").getBytes(StandardCharsets.UTF_8)));
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (System.nanoTime() < until) {
        if (result(subscriber, topic, "ready-" + n) != null) return;
        LockSupport.parkNanos(50_000_000);
      }
      if (System.nanoTime() > deadline)
        throw new AssertionError("the gateway never answered a command");
    }
  }

  private static long maxAgeMs(String sensorJson) {
    try {
      return JSON.readTree(sensorJson).path("maxAgeMs").asLong(-1);
    } catch (Exception e) {
      return -1;
    }
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

  @Test
  void commandsReadCalibrateAndConfigureAndMalformedOnesLeaveTheGatewayWorking() throws Exception {
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"))) {
      Path home = home();
      Files.write(
          home.resolve("config/io.sensorgw.mqtt.cfg"),
          List.of(
              "gateway.id=it",
              "broker.uris=" + broker.uri(),
              "reconnect.min.ms=200",
              "reconnect.max.ms=1000",
              "commands.enabled=true",
              "commands.burst=100",
              "commands.rate.per.s=100",
              "commands.config.allow=io.sensorgw.device.tfluna-sim:max.age.ms"));
      try (Subscriber subscriber = new Subscriber(broker.uri(), PREFIX + "/#");
          RunningGateway gateway = new RunningGateway(home)) {
        awaitCommands(subscriber);

        JsonNode read =
            command(subscriber, PREFIX + "/tfluna-1/cmd/read", "{\"id\":\"read-1\"}", "read-1");
        assertEquals("ok", read.get("status").asText(), read.toString());
        assertEquals("tfluna-1", read.get("body").get("sensor").asText());
        assertEquals("cm", read.get("body").get("values").get("distance").get("unit").asText());

        JsonNode calibrated =
            command(
                subscriber,
                PREFIX + "/mpu6050-1/cmd/calibrate",
                "{\"id\":\"cal-1\",\"samples\":10}",
                "cal-1");
        assertEquals("ok", calibrated.get("status").asText(), calibrated.toString());
        assertEquals(10, calibrated.get("body").get("samples").asInt());
        assertTrue(calibrated.get("body").get("offsets").size() > 0, calibrated.toString());
        JsonNode notCalibratable =
            command(subscriber, PREFIX + "/tfluna-1/cmd/calibrate", "{\"id\":\"cal-2\"}", "cal-2");
        assertEquals("unsupported", notCalibratable.get("status").asText());

        String config = PREFIX + "/cmd/config";
        JsonNode set =
            command(
                subscriber,
                config,
                "{\"id\":\"cfg-1\",\"pid\":\"io.sensorgw.device.tfluna-sim\",\"properties\":{\"max.age.ms\":250}}",
                "cfg-1");
        assertEquals("ok", set.get("status").asText(), set.toString());
        gateway.awaitResponse(
            "/api/sensors/tfluna-1",
            r -> r.statusCode() == 200 && maxAgeMs(r.body()) == 250,
            "tfluna-1 with max age 250 ms");
        Path tflunaFile = home.resolve("config/io.sensorgw.device.tfluna-sim.cfg");
        await(
            () -> {
              try {
                return Pattern.compile("(?m)^max\\.age\\.ms\\s*[=:]\\s*250\\s*$")
                    .matcher(Files.readString(tflunaFile))
                    .find();
              } catch (java.io.IOException e) {
                return false;
              }
            },
            "the change written back to the file (it survives a restart)",
            () -> {
              try {
                return Files.readString(tflunaFile);
              } catch (java.io.IOException e) {
                return e.toString();
              }
            });
        JsonNode notAllowed =
            command(
                subscriber,
                config,
                "{\"id\":\"cfg-2\",\"pid\":\"io.sensorgw.device.tfluna-sim\",\"properties\":{\"output.rate.hz\":1}}",
                "cfg-2");
        assertEquals("forbidden", notAllowed.get("status").asText());
        JsonNode camera =
            command(
                subscriber,
                config,
                "{\"id\":\"cfg-3\",\"pid\":\"io.sensorgw.device.imx477-sim\",\"properties\":{\"still.command\":\"/bin/sh\"}}",
                "cfg-3");
        assertEquals("forbidden", camera.get("status").asText());
        assertTrue(
            Files.readString(home.resolve("config/io.sensorgw.device.imx477-sim.cfg"))
                    .indexOf("/bin/sh")
                < 0);

        double received = metric(gateway, "commandsReceived");
        String readTopic = PREFIX + "/tfluna-1/cmd/read";
        List<String[]> malformed =
            List.of(
                new String[] {readTopic, "not json"},
                new String[] {readTopic, "{"},
                new String[] {readTopic, "[]"},
                new String[] {readTopic, ""},
                new String[] {readTopic, "{}"},
                new String[] {readTopic, "{\"id\":1}"},
                new String[] {readTopic, "{\"id\":\"" + "x".repeat(100) + "\"}"},
                new String[] {readTopic, "{\"id\":\"big\",\"p\":\"" + "x".repeat(5000) + "\"}"},
                new String[] {PREFIX + "/tfluna-1/cmd/reboot", "{\"id\":\"m9\"}"},
                new String[] {PREFIX + "/nobody/cmd/read", "{\"id\":\"m10\"}"},
                new String[] {PREFIX + "/cmd/shutdown", "{\"id\":\"m11\"}"},
                new String[] {config, "{\"id\":\"m12\"}"},
                new String[] {
                  config,
                  "{\"id\":\"m13\",\"pid\":\"io.sensorgw.mqtt\",\"properties\":{\".password\":\"x\"}}"
                },
                new String[] {
                  config,
                  "{\"id\":\"m14\",\"pid\":\"io.sensorgw.device.tfluna-sim\",\"properties\":{\"max.age.ms\":{}}}"
                },
                new String[] {
                  PREFIX + "/mpu6050-1/cmd/calibrate", "{\"id\":\"m15\",\"samples\":0}"
                },
                new String[] {
                  PREFIX + "/mpu6050-1/cmd/calibrate", "{\"id\":\"m16\",\"samples\":1.5}"
                },
                new String[] {PREFIX + "/tfluna-1/cmd/read/x", "{\"id\":\"m17\"}"},
                new String[] {PREFIX + "/tfluna-1/cmd/", "{\"id\":\"m18\"}"},
                new String[] {PREFIX + "/cmd/config/x", "{\"id\":\"m19\"}"},
                new String[] {readTopic, "{\"id\":\"bad\u0001id\"}"});
        assertEquals(20, malformed.size());
        for (String[] m : malformed)
          subscriber.client.publish(m[0], new MqttMessage(m[1].getBytes(StandardCharsets.UTF_8)));
        await(
            () -> metric(gateway, "commandsReceived") >= received + 20,
            "20 more commands counted",
            () -> String.valueOf(metric(gateway, "commandsReceived")));
        assertEquals(
            3, metric(gateway, "commandsMalformedTopic"), "the ones with wrong topic levels");
        for (String id : List.of("m9", "m10", "m11", "m12", "m13", "m14", "m15", "m16")) {
          String topic =
              malformed.stream()
                  .filter(m -> m[1].contains("\"" + id + "\""))
                  .findFirst()
                  .orElseThrow()[0];
          await(() -> result(subscriber, topic, id) != null, "an error result for " + id, () -> "");
          assertTrue(!result(subscriber, topic, id).get("status").asText().equals("ok"), id);
        }
        await(
            () ->
                subscriber.on(readTopic + "/result").stream()
                        .filter(r -> r.payload().contains("\"bad_request\""))
                        .count()
                    >= 8,
            "8 bad_request results for the bad payloads",
            () -> subscriber.on(readTopic + "/result").toString());

        long readingsBefore = subscriber.on(PREFIX + "/tfluna-1/reading").size();
        await(
            () -> subscriber.on(PREFIX + "/tfluna-1/reading").size() >= readingsBefore + 3,
            "telemetry goes on",
            () -> "");
        JsonNode after = command(subscriber, readTopic, "{\"id\":\"after\"}", "after");
        assertEquals("ok", after.get("status").asText());
        assertTrue(
            subscriber.on(PREFIX + "/tfluna-1/availability").stream()
                .anyMatch(m -> m.payload().equals("online")),
            "the sensor's availability");
      }
    }
  }

  /**
   * A bundle of {@link AlarmSource} alone, which calls every AlarmListener as the alarms bundle
   * does.
   */
  private static void alarmSourceBundle(Path jar) throws Exception {
    Manifest manifest = new Manifest();
    Attributes main = manifest.getMainAttributes();
    main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    main.putValue("Bundle-ManifestVersion", "2");
    main.putValue("Bundle-SymbolicName", "io.sensorgw.it.alarmsource");
    main.putValue("Bundle-Version", "1.0.0");
    main.putValue("Bundle-Activator", AlarmSource.class.getName());
    main.putValue(
        "Import-Package",
        "io.sensorgw.api;version=\"[1.7,2)\",org.osgi.framework,org.osgi.util.tracker");
    String entry = AlarmSource.class.getName().replace('.', '/') + ".class";
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
        InputStream in = AlarmSource.class.getClassLoader().getResourceAsStream(entry)) {
      out.putNextEntry(new JarEntry(entry));
      in.transferTo(out);
      out.closeEntry();
    }
  }

  @Test
  void alarmsFromTheWhiteboardGoToRetainedStateEventsAndDiscovery() throws Exception {
    try (Mosquitto broker = Mosquitto.plain(temp.resolve("broker"))) {
      Path home = home();
      Files.write(
          home.resolve("config/io.sensorgw.mqtt.cfg"),
          List.of(
              "gateway.id=it",
              "broker.uris=" + broker.uri(),
              "reconnect.min.ms=200",
              "reconnect.max.ms=1000",
              "homeassistant.discovery=true"));
      Files.createDirectories(home.resolve("deploy"));
      alarmSourceBundle(home.resolve("deploy/it-alarm-source.jar"));
      String state = PREFIX + "/alarm/" + AlarmSource.RULE;
      try (Subscriber subscriber =
              new Subscriber(broker.uri(), state + "/event", "homeassistant/binary_sensor/#");
          RunningGateway gateway = new RunningGateway(home)) {
        await(
            () -> subscriber.on(state + "/event").size() >= 2,
            "the raised and cleared events",
            () -> subscriber.messages.toString());
        JsonNode raised = JSON.readTree(subscriber.on(state + "/event").get(0).payload());
        assertTrue(raised.get("active").asBoolean(), raised.toString());
        assertEquals(25.5, raised.get("value").asDouble());
        assertEquals("tfluna-1", raised.get("sensor").asText());
        assertEquals("2026-01-02T03:04:05Z", raised.get("since").asText());
        assertTrue(
            subscriber.on(state + "/event").stream().noneMatch(Received::retained),
            "events are not retained");
        String discovery = "homeassistant/binary_sensor/it/alarm_" + AlarmSource.RULE + "/config";
        await(
            () -> !subscriber.on(discovery).isEmpty(),
            "the alarm's binary_sensor",
            () -> subscriber.messages.toString());
        assertEquals(
            "problem",
            JSON.readTree(subscriber.on(discovery).get(0).payload()).get("device_class").asText());
        try (Subscriber late =
            new Subscriber(broker.uri(), state)) { // the retained state: the last change
          await(() -> !late.on(state).isEmpty(), "the retained state", () -> "");
          JsonNode retained = JSON.readTree(late.on(state).get(0).payload());
          assertTrue(late.on(state).get(0).retained());
          assertEquals(false, retained.get("active").asBoolean(), retained.toString());
          assertEquals("distance below 30 cm for 500 ms", retained.get("condition").asText());
        }
      }
    }
  }
}
