package io.sensorgw.http.internal;

import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.api.Sensor;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The latest reading of each sensor, for {@code /metrics}: taken from the reading path as it passes
 * (every reading, raw, so a gauge is as fresh as the sensor), never by reading a device. A sensor's
 * entry goes with its service; {@link #retain} also drops one that a reading still in flight
 * brought back, so the map holds the registered sensors only.
 */
@Component(
    service = {LatestReadings.class, ReadingListener.class},
    property = {
      ReadingListener.REPORTED + ":Boolean=false",
      ReadingListener.QUEUE_CAPACITY + ":Integer=64"
    })
public class LatestReadings implements ReadingListener {
  private final Map<String, Reading> latest = new ConcurrentHashMap<>();

  @Override
  public void onReading(Reading reading) {
    latest.put(reading.sensorId(), reading);
  }

  @Reference(
      service = Sensor.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addSensor(Sensor sensor) {
    // Nothing to keep until it publishes a reading.
  }

  void removeSensor(Sensor sensor) {
    latest.remove(sensor.info().id());
  }

  Optional<Reading> of(String sensorId) {
    return Optional.ofNullable(latest.get(sensorId));
  }

  /** Forgets every sensor not in {@code registered}. */
  void retain(Set<String> registered) {
    latest.keySet().retainAll(registered);
  }
}
