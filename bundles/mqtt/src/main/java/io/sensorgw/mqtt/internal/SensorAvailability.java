package io.sensorgw.mqtt.internal;

import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorState;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The sensors the component has bound, by id, and the availability last published for each: {@code
 * online} only while a sensor's state is OK. Commands find their sensor here by its topic level;
 * discovery its max age and capabilities.
 */
final class SensorAvailability {
  private final Map<String, Sensor> sensors = new ConcurrentHashMap<>();

  /**
   * Sensor id -> the availability last handed out for it; touched by housekeeping and unbinding.
   */
  private final Map<String, Boolean> published = new ConcurrentHashMap<>();

  void add(String id, Sensor sensor) {
    sensors.put(id, sensor);
  }

  /** Unbinds the sensor; true when it had an availability published (it should now be offline). */
  boolean remove(String id, Sensor sensor) {
    sensors.remove(id, sensor);
    return published.remove(id) != null;
  }

  Sensor get(String id) {
    return sensors.get(id);
  }

  /**
   * The sensor whose id, made a topic level ({@link Topics#segment}), is {@code segment}; or null.
   */
  Sensor bySegment(String segment) {
    for (Map.Entry<String, Sensor> entry : sensors.entrySet()) {
      if (Topics.segment(entry.getKey()).equals(segment)) return entry.getValue();
    }
    return null;
  }

  /**
   * Hands each sensor whose availability changed since the last call (or was never handed out) to
   * {@code changed} (id, online). Reads the state only, never the device.
   */
  void changes(BiConsumer<String, Boolean> changed) {
    for (Map.Entry<String, Sensor> entry : sensors.entrySet()) {
      boolean online;
      try {
        online = entry.getValue().state() == SensorState.OK;
      } catch (RuntimeException e) { // a sensor going away
        online = false;
      }
      Boolean before = published.put(entry.getKey(), online);
      if (before == null || before != online) changed.accept(entry.getKey(), online);
    }
  }
}
