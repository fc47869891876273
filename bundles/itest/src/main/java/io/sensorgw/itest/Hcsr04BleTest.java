package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Sensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Hashtable;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/**
 * The HC-SR04 driver against a real D-Bus: a private dbus-daemon with BlueZ emulated by
 * python3-dbusmock's bluez5 template and the bridge's GATT service and characteristic
 * (runtime/test-tools/ble-mock), notifications sent as PropertiesChanged on Value.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class Hcsr04BleTest {
  private static final String ADDRESS = "24:0A:C4:12:34:56";

  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  private Sensor sensor(String id) {
    try {
      Collection<ServiceReference<Sensor>> refs =
          context.getServiceReferences(Sensor.class, "(sensor.id=" + id + ")");
      return refs.isEmpty() ? null : context.getService(refs.iterator().next());
    } catch (org.osgi.framework.InvalidSyntaxException e) {
      throw new AssertionError(e);
    }
  }

  private long statistic(String id, String name) {
    Sensor sensor = sensor(id);
    return sensor == null ? -1 : sensor.metrics().getOrDefault(name, -1).longValue();
  }

  @Test
  void notificationsBecomeReadingsAndSilenceOrALostDeviceRecoversAlone() throws Exception {
    Path helper =
        Path.of(
            context.getProperty("sensorgw.repo"), "runtime/test-tools/ble-mock/bluez_hcsr04.py");
    // The helper starts a dbus-daemon and python3 -m dbusmock: all three end with the test, pass or
    // fail (Processes.stop ends the tree, and the helper's children die with it).
    Process bluez =
        Processes.start(
            new ProcessBuilder("/usr/bin/python3", helper.toString(), ADDRESS)
                .redirectError(ProcessBuilder.Redirect.DISCARD));
    // Every line the helper prints is read at once: an unread pipe would fill up and block it.
    BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    Thread replyReader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(bluez.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  if (replies.size() < 1000) replies.add(line);
                }
              } catch (IOException e) {
                // the helper is gone
              }
            },
            "it-ble-replies");
    replyReader.setDaemon(true);
    replyReader.start();
    Writer commands = new OutputStreamWriter(bluez.getOutputStream(), StandardCharsets.UTF_8);
    AtomicBoolean present = new AtomicBoolean(true);
    AtomicBoolean quiet = new AtomicBoolean(false);
    AtomicBoolean running = new AtomicBoolean(true);
    Configuration config = null;
    Thread bridge = null;
    try {
      String line = replies.poll(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      assertNotNull(
          line, "the emulated BlueZ printed no ready line (alive: " + bluez.isAlive() + ")");
      String[] ready = line.split(" ");
      assertEquals("ready", ready[0], "the emulated BlueZ started");
      Processes.rememberDescendants(bluez); // its dbus-daemon and dbusmock, started before ready
      config = configAdmin.getFactoryConfiguration("io.sensorgw.device.hcsr04", "it-ble", "?");
      Hashtable<String, Object> props = new Hashtable<>();
      props.put("sensor.id", "it-sonar");
      props.put("mode", "ble");
      props.put("device.address", ADDRESS);
      props.put("dbus.address", ready[1]);
      props.put("payload.format", "uint16le-mm");
      props.put("expected.interval.ms", 200L);
      props.put("max.age.ms", 1000L);
      config.update(props);
      // The bridge: a reading every 100 ms while the device is there (1234 mm).
      bridge =
          new Thread(
              () -> {
                while (running.get()) {
                  if (present.get() && !quiet.get()) send(commands, "notify d204");
                  LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
              },
              "it-ble-bridge");
      bridge.setDaemon(true);
      bridge.start();

      Gateway gateway = new Gateway(context);
      Gateway.await(
          () -> statistic("it-sonar", "notifications") > 0,
          "notifications reach the driver",
          () -> " " + (sensor("it-sonar") == null ? "no sensor" : sensor("it-sonar").metrics()));
      HttpResponse<String> reading =
          gateway.getUntil(
              "/hcsr04/sensor",
              r -> r.statusCode() == 200 && r.body().contains("\"quality\":\"ok\""),
              "a reading from the BLE notifications");
      assertTrue(
          reading.body().contains("\"distance\":{\"value\":123.4,\"unit\":\"cm\"}"),
          reading.body());
      assertTrue(
          reading.body().contains("\"distance_m\":{\"value\":1.234,\"unit\":\"m\"}"),
          reading.body());

      // A bridge that goes quiet (still connected): after 3 x 200 ms the sensor is stale.
      quiet.set(true);
      HttpResponse<String> stale =
          gateway.getUntil(
              "/api/sensors/it-sonar/reading",
              r -> r.statusCode() == 503 && r.body().contains("stale: no notification"),
              "the sensor stale");
      assertTrue(stale.body().contains("expected every 200 ms"), stale.body());
      quiet.set(false);
      gateway.getUntil(
          "/hcsr04/sensor",
          r -> r.statusCode() == 200 && r.body().contains("\"quality\":\"ok\""),
          "readings again when the bridge speaks");

      // A payload of the wrong length is counted and skipped; the callback survives it.
      long malformedBefore = statistic("it-sonar", "malformed");
      send(commands, "notify 01");
      Gateway.await(
          () -> statistic("it-sonar", "malformed") > malformedBefore,
          "the malformed payload counted");

      // The device goes out of range: the sensor reports an error, then recovers by itself.
      long reconnectsBefore = statistic("it-sonar", "reconnects");
      present.set(false);
      send(commands, "remove");
      gateway.getUntil(
          "/health",
          r ->
              r.body().contains("\"it-sonar\":\"error\"")
                  || r.body().contains("\"id\":\"it-sonar\",\"state\":\"error\""),
          "the sensor in error");
      present.set(true);
      send(commands, "add");
      Gateway.await(() -> statistic("it-sonar", "reconnects") > reconnectsBefore, "a reconnect");
      gateway.getUntil(
          "/hcsr04/sensor",
          r -> r.statusCode() == 200 && r.body().contains("\"quality\":\"ok\""),
          "readings again after the device came back");

      // The adapter loses power: error with the reason; power back: readings again.
      present.set(false); // no radio, no notifications
      send(commands, "power-off");
      gateway.getUntil(
          "/api/sensors/it-sonar/reading",
          r ->
              r.statusCode() == 503
                  && (r.body().contains("powered off") || r.body().contains("disconnected")),
          "the sensor in error while the adapter is off");
      send(commands, "power-on");
      present.set(true);
      gateway.getUntil(
          "/hcsr04/sensor",
          r -> r.statusCode() == 200 && r.body().contains("\"quality\":\"ok\""),
          "readings again after the adapter came back");
    } finally {
      running.set(false);
      if (bridge != null) bridge.join(Gateway.DEADLINE.toMillis());
      if (config != null) config.delete();
      // Asked to quit, the helper stops its children itself; whatever is left is ended here.
      send(commands, "quit");
      bluez.waitFor(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      Processes.stop(bluez);
    }
    // Deactivated: no thread of the sensor left behind.
    Gateway.await(
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("sensorgw-it-sonar")),
        "the sensor's threads gone");
  }

  private static void send(Writer commands, String line) {
    try {
      synchronized (commands) {
        commands.write(line + "\n");
        commands.flush();
      }
    } catch (IOException e) {
      // the helper is gone; the test's assertions will say what failed
    }
  }
}
