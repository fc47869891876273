package io.sensorgw.http.internal;

import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.service.component.annotations.Component;

/**
 * The latest reading of each sensor, for {@code /metrics}: taken from the reading path as it
 * passes (every reading, raw, so a gauge is as fresh as the sensor), never by reading a device.
 * {@link #retain} drops sensors that are gone, so the map holds the registered ones only.
 */
@Component(service = {LatestReadings.class, ReadingListener.class},
    property = {ReadingListener.REPORTED + ":Boolean=false", ReadingListener.QUEUE_CAPACITY + ":Integer=64"})
public class LatestReadings implements ReadingListener {
  private final Map<String, Reading> latest = new ConcurrentHashMap<>();

  @Override
  public void onReading(Reading reading) {
    latest.put(reading.sensorId(), reading);
  }

  Optional<Reading> of(String sensorId) {
    return Optional.ofNullable(latest.get(sensorId));
  }

  /** Forgets every sensor not in {@code registered}. */
  void retain(Set<String> registered) {
    latest.keySet().retainAll(registered);
  }
}
