package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.HealthSource;
import io.sensorgw.api.Quality;
import io.sensorgw.api.SensorState;
import io.sensorgw.api.Value;
import io.sensorgw.core.Measurement;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Hashtable;
import java.util.Map;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** The sensor:* commands, run through a real Gogo command processor. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class ShellCommandsTest {
  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  CommandProcessor gogo;

  private String run(String command) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    try (CommandSession session = gogo.createSession(System.in, print, print)) {
      Object result = session.execute(command);
      if (result != null) print.println(session.format(result, 0));
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void listReadAndStatsShowTheSensors() throws Exception {
    try (TestSensor sensor =
        new TestSensor(
                context,
                "it-shell",
                Duration.ZERO,
                TestSensor.READ_TIMEOUT,
                () -> Measurement.of(Quality.SIMULATED, Map.of("distance", Value.of(42.5, "cm"))))
            .register(context, "tfluna")) {
      Gateway.await(
          () -> {
            try {
              return run("sensor:list").contains("it-shell");
            } catch (Exception e) {
              return false;
            }
          },
          "sensor:list shows it-shell");
      String list = run("sensor:list");
      assertTrue(list.contains("simulated"), list);

      String reading = run("sensor:read it-shell");
      assertTrue(reading.contains("it-shell #1"), reading);
      assertTrue(reading.contains("distance") && reading.contains("42.5000 cm"), reading);

      String metrics = run("sensor:metrics it-shell");
      assertTrue(metrics.contains("executor it-shell threads=1"), metrics);
      assertTrue(metrics.contains("acquisitions") && metrics.contains("reads"), metrics);
      // Its name before, for operators' scripts.
      String stats = run("sensor:stats it-shell");
      assertTrue(stats.contains("executor it-shell threads=1"), stats);
      assertTrue(stats.contains("acquisitions") && stats.contains("reads"), stats);

      Exception unknown =
          org.junit.jupiter.api.Assertions.assertThrows(
              Exception.class, () -> run("sensor:read no-such-sensor"));
      assertTrue(
          unknown.getMessage().contains("no sensor with id 'no-such-sensor'"),
          unknown.getMessage());
    }
  }

  @Test
  void healthShowsEveryPartAndSensorWithItsReason() throws Exception {
    Hashtable<String, Object> properties = new Hashtable<>();
    properties.put(HealthSource.NAME, "it-part");
    ServiceRegistration<HealthSource> part =
        context.registerService(
            HealthSource.class,
            () ->
                new HealthSource.Health(
                    SensorState.ERROR, "cannot reach it-server: connection refused"),
            properties);
    try {
      Gateway.await(
          () -> {
            try {
              return run("sensor:health").contains("part it-part");
            } catch (Exception e) {
              return false;
            }
          },
          "sensor:health shows it-part");
      String health = run("sensor:health");
      assertTrue(health.contains("error: cannot reach it-server: connection refused"), health);
      assertTrue(health.contains("part store"), "the store's own state: " + health);
    } finally {
      part.unregister();
    }
  }
}
