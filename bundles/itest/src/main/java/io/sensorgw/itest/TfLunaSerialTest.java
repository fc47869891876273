package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/**
 * The TF-Luna driver inside Felix reading a real pseudo-terminal through jSerialComm, while the
 * test plays the sensor on the other end at 100 Hz, unplugs it and plugs it back.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class TfLunaSerialTest {
  private static final String READ_TIMEOUT_MS = String.valueOf(TestSensor.READ_TIMEOUT.toMillis());

  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  /** A 9-byte TF-Luna frame. */
  static byte[] frame(int distanceCm, int amplitude) {
    int temperatureRaw = (40 + 256) * 8;
    byte[] f = {
      0x59,
      0x59,
      (byte) distanceCm,
      (byte) (distanceCm >> 8),
      (byte) amplitude,
      (byte) (amplitude >> 8),
      (byte) temperatureRaw,
      (byte) (temperatureRaw >> 8),
      0
    };
    int sum = 0;
    for (int i = 0; i < 8; i++) sum += f[i] & 0xFF;
    f[8] = (byte) sum;
    return f;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
      return true;
    }
    return false;
  }

  private Configuration tfluna(String name, String... keyValues) throws Exception {
    Configuration config =
        configAdmin.getFactoryConfiguration("io.sensorgw.device.tfluna", name, "?");
    Hashtable<String, Object> props = new Hashtable<>();
    for (int i = 0; i < keyValues.length; i += 2) props.put(keyValues[i], keyValues[i + 1]);
    config.update(props);
    return config;
  }

  @Test
  void readsFramesOverAPseudoTerminalAndRecoversFromUnplugging() throws Exception {
    Gateway gateway = new Gateway(context);
    Path dir = Files.createTempDirectory("tfluna-line");
    SerialLine line = new SerialLine(dir);
    AtomicInteger distance = new AtomicInteger(123);
    ScheduledExecutorService sensor = Executors.newSingleThreadScheduledExecutor();
    Configuration serial = null;
    Configuration simulated = null;
    try { // socat is stopped however this ends
      line.plugIn();
      // The sensor's side: a frame every 10 ms (100 Hz), with a garbage byte now and then.
      AtomicInteger sent = new AtomicInteger();
      sensor.scheduleAtFixedRate(
          () -> {
            if (line.write(frame(distance.get(), 1500)) && sent.incrementAndGet() % 25 == 0) {
              line.write(new byte[] {0x00});
            }
          },
          0,
          10,
          TimeUnit.MILLISECONDS);
      ByteArrayOutputStream commands = new ByteArrayOutputStream();
      Thread commandReader =
          new Thread(
              () -> {
                byte[] buffer = new byte[64];
                int n;
                while ((n = line.read(buffer)) > 0) {
                  synchronized (commands) {
                    commands.write(buffer, 0, n);
                  }
                }
              },
              "it-tfluna-command-reader");
      commandReader.setDaemon(true);
      commandReader.start();

      // Reads that must succeed get a read timeout a busy machine cannot exceed (not 1 s).
      serial =
          tfluna(
              "it-serial",
              "sensor.id",
              "it-lidar",
              "mode",
              "hardware",
              "port",
              line.deviceEnd().toString(),
              "output.rate.hz",
              "100",
              "read.timeout.ms",
              READ_TIMEOUT_MS);
      simulated =
          tfluna(
              "it-sim",
              "sensor.id",
              "it-lidar-sim",
              "mode",
              "simulated",
              "read.timeout.ms",
              READ_TIMEOUT_MS);
      HttpResponse<String> reading =
          gateway.getUntil(
              "/api/sensors/it-lidar/reading",
              r -> r.statusCode() == 200,
              "a reading from the serial line");
      assertTrue(
          reading.body().contains("\"distance\":{\"value\":123.0,\"unit\":\"cm\"}"),
          reading.body());
      assertTrue(reading.body().contains("\"quality\":\"ok\""), reading.body());
      assertTrue(reading.body().contains("\"temperature\":{\"value\":40.0"), reading.body());
      HttpResponse<String> legacy =
          gateway.getUntil("/tfluna/sensor", r -> r.statusCode() == 200, "the old route");
      assertTrue(legacy.body().contains("\"sensor\":\"it-lidar"), legacy.body());

      // At start the driver set the output format (cm) and rate (100 Hz) with the datasheet's
      // commands.
      Gateway.await(
          () -> {
            synchronized (commands) {
              byte[] got = commands.toByteArray();
              return contains(got, new byte[] {0x5A, 0x05, 0x05, 0x01, 0x65})
                  && contains(got, new byte[] {0x5A, 0x06, 0x03, 0x64, 0x00, (byte) 0xC7});
            }
          },
          "format and rate commands on the test's end");

      // Garbage between frames is skipped and counted, never fatal.
      HttpResponse<String> info =
          gateway.getUntil(
              "/api/sensors/it-lidar",
              r -> r.body().matches("(?s).*\"skippedBytes\":[1-9].*"),
              "skipped bytes counted");
      assertTrue(info.body().contains("\"simulated\":false"), info.body());

      // Unplug: the sensor reports error and serves no stale value; the other sensor is unaffected.
      line.unplug();
      gateway.getUntil(
          "/api/sensors/it-lidar",
          r -> r.body().contains("\"state\":\"error\""),
          "serial sensor in error");
      HttpResponse<String> down = gateway.get("/api/sensors/it-lidar/reading");
      assertTrue(
          down.statusCode() == 503 || down.statusCode() == 504,
          down.statusCode() + " " + down.body());
      assertEquals(200, gateway.get("/api/sensors/it-lidar-sim/reading").statusCode());
      assertEquals(200, gateway.get("/health").statusCode());

      // Plug back in: it recovers by itself.
      distance.set(150);
      line.plugIn();
      HttpResponse<String> back =
          gateway.getUntil(
              "/api/sensors/it-lidar/reading",
              r -> r.statusCode() == 200 && r.body().contains("\"value\":150.0"),
              "recovered readings");
      assertTrue(back.body().contains("\"quality\":\"ok\""), back.body());
    } finally {
      sensor.shutdownNow();
      if (serial != null) serial.delete();
      if (simulated != null) simulated.delete();
      line.close();
    }
    // Deleting the configurations closes the port and ends the drivers' threads.
    gateway.getUntil("/api/sensors", r -> !r.body().contains("it-lidar"), "sensors gone");
    Gateway.await(
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("sensorgw-it-lidar")),
        "no driver thread left");
  }
}
