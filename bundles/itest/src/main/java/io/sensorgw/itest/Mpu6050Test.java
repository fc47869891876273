package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Hashtable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** The MPU-6050 driver inside Felix, on Pi4J's mock I2C with the simulated chip behind it. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class Mpu6050Test {
  /** Reads that must succeed: not the default 500 ms, which only an idle machine keeps. */
  private static final String READ_TIMEOUT_MS = String.valueOf(TestSensor.READ_TIMEOUT.toMillis());

  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  private Configuration imu(String name, String... keyValues) throws Exception {
    Configuration config =
        configAdmin.getFactoryConfiguration("io.sensorgw.device.mpu6050", name, "?");
    Hashtable<String, Object> props = new Hashtable<>();
    for (int i = 0; i < keyValues.length; i += 2) props.put(keyValues[i], keyValues[i + 1]);
    config.update(props);
    return config;
  }

  private static double value(String body, String name) {
    Matcher m = Pattern.compile("\"" + name + "\":\\{\"value\":(-?[0-9.E-]+)").matcher(body);
    assertTrue(m.find(), name + " in " + body);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void readingsComeOutRightAndAWrongChipFailsOnlyItsOwnSensor() throws Exception {
    Gateway gateway = new Gateway(context);
    Configuration good =
        imu(
            "it-good",
            "sensor.id",
            "it-imu",
            "mode",
            "simulated",
            "accel.range.g",
            "4",
            "read.timeout.ms",
            READ_TIMEOUT_MS);
    Configuration bad =
        imu("it-bad", "sensor.id", "it-imu-bad", "mode", "simulated", "simulation.who.am.i", "112");
    try {
      HttpResponse<String> reading =
          gateway.getUntil(
              "/api/sensors/it-imu/reading", r -> r.statusCode() == 200, "an IMU reading");
      assertTrue(reading.body().contains("\"quality\":\"simulated\""), reading.body());
      double z = value(reading.body(), "accel_z");
      assertTrue(z > 0.9 && z < 1.01, "gravity on Z at ±4 g: " + z);
      assertEquals(z * 9.80665, value(reading.body(), "accel_z_ms2"), 1e-6);
      double celsius = value(reading.body(), "temperature");
      assertTrue(celsius > 30 && celsius < 32, "die temperature " + celsius);
      assertTrue(gateway.get("/mpu6050/sensor").body().contains("\"sensor\":\"it-imu"));

      // The start-up writes, register by register, as the driver read them back from the chip:
      // awake (PWR_MGMT_1 0), 1 kHz / (1 + 0) (SMPLRT_DIV 0), 44 Hz filter (CONFIG 3),
      // ±250 °/s (GYRO_CONFIG 0), ±4 g (ACCEL_CONFIG 1 << 3 = 8).
      String info = gateway.get("/api/sensors/it-imu").body();
      for (String register :
          new String[] {
            "\"register0x6B\":0",
            "\"register0x19\":0",
            "\"register0x1A\":3",
            "\"register0x1B\":0",
            "\"register0x1C\":8"
          }) {
        assertTrue(info.contains(register), register + " in " + info);
      }

      // The chip that answers WHO_AM_I 0x70 puts only its own sensor in error, visible with a clear
      // reason.
      gateway.getUntil(
          "/api/sensors/it-imu-bad",
          r ->
              r.statusCode() == 200
                  && r.body().contains("\"state\":\"error\"")
                  && r.body().contains("WHO_AM_I is 0x70, expected 0x68"),
          "it-imu-bad in error with its reason");
      HttpResponse<String> badRead = gateway.get("/api/sensors/it-imu-bad/reading");
      assertEquals(503, badRead.statusCode(), badRead.body());
      assertTrue(badRead.body().contains("WHO_AM_I is 0x70, expected 0x68"), badRead.body());
      assertEquals(200, gateway.get("/api/sensors/it-imu/reading").statusCode());
    } finally {
      good.delete();
      bad.delete();
    }
  }

  @Test
  void calibrationStoresOffsetsInTheSensorsConfiguration() throws Exception {
    Gateway gateway = new Gateway(context);
    Configuration config =
        imu(
            "it-cal",
            "sensor.id",
            "it-imu-cal",
            "mode",
            "simulated",
            "read.timeout.ms",
            READ_TIMEOUT_MS);
    try {
      gateway.getUntil("/api/sensors/it-imu-cal/reading", r -> r.statusCode() == 200, "IMU up");
      HttpResponse<String> badRequest =
          gateway.send(
              HttpRequest.newBuilder(gateway.uri("/api/sensors/it-imu-cal/calibrate?samples=zero"))
                  .POST(HttpRequest.BodyPublishers.noBody()));
      assertEquals(400, badRequest.statusCode());

      HttpResponse<String> calibrated =
          gateway.send(
              HttpRequest.newBuilder(gateway.uri("/api/sensors/it-imu-cal/calibrate?samples=200"))
                  .POST(HttpRequest.BodyPublishers.noBody()));
      assertEquals(200, calibrated.statusCode(), calibrated.body());
      double[] gyro = {
        value(calibrated.body(), "gyro_offset_x"),
        value(calibrated.body(), "gyro_offset_y"),
        value(calibrated.body(), "gyro_offset_z")
      };
      Gateway.await(
          () -> {
            try {
              return configAdmin
                      .getConfiguration(config.getPid(), "?")
                      .getProperties()
                      .get("gyro.offset.dps")
                  != null;
            } catch (java.io.IOException e) {
              return false;
            }
          },
          "offsets stored in the configuration");
      double[] stored =
          (double[])
              configAdmin
                  .getConfiguration(config.getPid(), "?")
                  .getProperties()
                  .get("gyro.offset.dps");
      assertArrayEquals(gyro, stored, 1e-9);
      // The sensor comes back with the offsets applied.
      gateway.getUntil("/api/sensors/it-imu-cal/reading", r -> r.statusCode() == 200, "IMU back");
      HttpResponse<String> notCalibratable =
          gateway.send(
              HttpRequest.newBuilder(gateway.uri("/api/sensors/none/calibrate"))
                  .POST(HttpRequest.BodyPublishers.noBody()));
      assertEquals(404, notCalibratable.statusCode());
    } finally {
      config.delete();
    }
  }
}
