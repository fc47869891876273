package io.sensorgw.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorState;
import io.sensorgw.fanout.ReadingPublisher;
import io.sensorgw.testing.Await;
import io.sensorgw.testing.Configs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's example driver does what the section says, as any driver must. */
class ThermalSensorTest {
  @TempDir Path dir;
  private final List<Reading> published = new CopyOnWriteArrayList<>();
  private final ReadingPublisher publisher =
      new ReadingPublisher() {
        @Override
        public void publish(Reading reading) {
          published.add(reading);
        }

        @Override
        public List<ListenerStats> listenerStats() {
          return List.of();
        }
      };
  private ThermalSensor sensor;

  @AfterEach
  void deactivate() {
    if (sensor != null) sensor.deactivate();
  }

  /** A configuration as ConfigAdmin hands it over: the given properties, else the defaults. */
  private ThermalSensor activate(Map<String, Object> properties) {
    sensor = new ThermalSensor(Configs.of(ThermalConfig.class, properties), properties, publisher);
    return sensor;
  }

  private static Reading read(ThermalSensor sensor) throws Exception {
    return sensor.read().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void readsTheZoneFileAndRecoversWhenItComesBack() throws Exception {
    Path zone = Files.writeString(dir.resolve("temp"), "48250\n");
    ThermalSensor thermal =
        activate(Map.of("sensor.id", "soc", "zone.file", zone.toString(), "max.age.ms", 0L));
    Reading reading = read(thermal);
    assertEquals(48.25, reading.values().get("temperature").value());
    assertEquals("°C", reading.values().get("temperature").unit());
    assertEquals(Quality.OK, reading.quality());
    assertEquals(SensorState.OK, thermal.state());
    assertEquals(List.of(reading), published);

    Files.delete(zone);
    assertThrows(ExecutionException.class, () -> read(thermal));
    // The failed read completes first; the state follows on the sensor's thread.
    Await.until(thermal::state, SensorState.ERROR::equals, "the error state");
    assertTrue(thermal.stateReason().contains("temp"), thermal.stateReason());

    Files.writeString(zone, "51000\n");
    assertEquals(51.0, read(thermal).values().get("temperature").value());
    assertEquals(SensorState.OK, thermal.state());
  }

  @Test
  void theSimulationIsSeededPlausibleAndSaysSo() throws Exception {
    Map<String, Object> simulated =
        Map.of("sensor.id", "soc", "mode", "simulated", "max.age.ms", 0L);
    double first = read(activate(simulated)).values().get("temperature").value();
    sensor.deactivate();
    Reading again = read(activate(simulated));
    assertEquals(first, again.values().get("temperature").value());
    assertEquals(Quality.SIMULATED, again.quality());
    assertTrue(first >= 45 && first <= 55, "a SoC's temperature: " + first);
  }

  @Test
  void aBadSettingIsAnErrorStateWithTheReasonNotAFailedActivation() throws Exception {
    ThermalSensor thermal = activate(Map.of("sensor.id", "soc", "mode", "simulatd"));
    assertEquals(SensorState.ERROR, thermal.state());
    assertEquals("mode must be hardware or simulated, was \"simulatd\"", thermal.stateReason());
    assertThrows(ExecutionException.class, () -> read(thermal));
  }
}
