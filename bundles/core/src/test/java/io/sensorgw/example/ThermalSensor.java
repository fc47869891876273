package io.sensorgw.example;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.Value;
import io.sensorgw.concurrent.ManagedExecutor;
import io.sensorgw.core.ConfigCheck;
import io.sensorgw.core.DeviceSensor;
import io.sensorgw.core.Measurement;
import io.sensorgw.core.SensorReader;
import io.sensorgw.fanout.ReadingPublisher;
import io.sensorgw.reporting.Reporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * The README's "Adding a driver" example, compiled and tested with the build: a Linux thermal zone
 * (a Raspberry Pi's SoC temperature), read on demand, or simulated.
 */
@Component(
    service = Sensor.class,
    configurationPid = "io.sensorgw.example.thermal",
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    property = {Sensor.SENSOR_MODEL + "=thermal", Sensor.SENSOR_KIND + "=temperature"})
@Designate(ocd = ThermalConfig.class, factory = true)
public class ThermalSensor extends DeviceSensor {
  enum Mode implements ConfigCheck.Choice {
    HARDWARE,
    SIMULATED;

    @Override
    public String configValue() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Path zoneFile;
  private final Random simulation; // null on hardware

  @Activate
  public ThermalSensor(
      ThermalConfig config, Map<String, Object> properties, @Reference ReadingPublisher publisher) {
    // 1. Settings: every problem is collected; a bad one puts the sensor in error, never throws.
    ConfigCheck check = new ConfigCheck(properties);
    String id = check.sensorId(config::sensor_id);
    boolean simulated = check.oneOf("mode", config::mode, Mode.class) == Mode.SIMULATED;
    zoneFile = Path.of(check.text("zone.file", config::zone_file, !simulated));
    Duration maxAge = check.maxAge(config::max_age_ms);
    Duration readTimeout = check.readTimeout(config::read_timeout_ms);
    Duration publishInterval = check.publishInterval(config::publish_interval_ms);
    long seed = check.longIn("simulation.seed", config::simulation_seed, 0, Long.MAX_VALUE);
    simulation = simulated ? new Random(seed) : null;

    // 2. The toolkit: one executor of its own (1 thread, 4 queued reads), a reader that
    // caches and shares reads, and telemetry at most once per publish interval.
    SensorInfo info =
        new SensorInfo(id, "thermal", "temperature", simulated, maxAge, "thermal zone " + zoneFile);
    ManagedExecutor executor = new ManagedExecutor(id, 1, 4);
    Reporter publishing = Reporter.atMostEvery(publishInterval);
    attach(
        new SensorReader(
            info, executor, readTimeout, this::acquire, publishing.to(publisher::publish)),
        executor,
        check);
  }

  /** 3. The device code: runs on the sensor's executor, may block, throws when it fails. */
  private Measurement acquire() throws IOException {
    if (simulation != null) {
      double celsius = 45 + 10 * simulation.nextDouble();
      return Measurement.of(Quality.SIMULATED, Map.of("temperature", Value.of(celsius, "°C")));
    }
    String text = Files.readString(zoneFile).trim();
    double celsius = Long.parseLong(text) / 1000.0; // the kernel writes millidegrees
    return Measurement.of(Quality.OK, Map.of("temperature", Value.of(celsius, "°C")));
  }

  @Deactivate
  void deactivate() {
    detach(Duration.ofSeconds(2));
  }
}
