package io.sensorgw.http.internal;

import io.sensorgw.api.Sensor;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every registered {@link Sensor}, by id, as sensors come and go. */
@Component(service = SensorDirectory.class)
public class SensorDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(SensorDirectory.class);

  /** A sensor service and the registration facts routes need, with the bundle that provides it. */
  record Entry(
      Sensor sensor,
      String id,
      String model,
      long serviceId,
      String bundle,
      Bundle provider,
      EncodedReading lastReading) {}

  /**
   * How long a sensor whose bundle stopped counts as being swapped (503) rather than gone (404).
   */
  static final Duration SWAP_GRACE = Duration.ofSeconds(30);

  private final Map<String, Long> swapping = new ConcurrentHashMap<>();

  // Sorted by id so listings are stable; several registrations of one id are kept in service order.
  private final ConcurrentSkipListMap<String, List<Entry>> byId = new ConcurrentSkipListMap<>();

  @Reference(
      service = Sensor.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addSensor(
      Sensor sensor, Map<String, Object> properties, ServiceReference<Sensor> reference) {
    String id = id(sensor, properties);
    if (id == null) {
      LOG.warn(
          "Ignoring a Sensor service without the {} property: {}", Sensor.SENSOR_ID, properties);
      return;
    }
    Object model = properties.get(Sensor.SENSOR_MODEL);
    Entry entry =
        new Entry(
            sensor,
            id,
            model == null ? sensor.info().model() : model.toString(),
            ((Number) properties.get(Constants.SERVICE_ID)).longValue(),
            reference.getBundle() == null
                ? ""
                : reference.getBundle().getSymbolicName()
                    + " "
                    + reference.getBundle().getVersion(),
            reference.getBundle(),
            new EncodedReading());
    swapping.remove(entry.id());
    byId.compute(
        entry.id(),
        (key, entries) -> {
          if (entries != null) {
            LOG.warn("Two sensors share the id {}; the first registered one is served", key);
            return append(entries, entry);
          }
          return List.of(entry);
        });
  }

  void removeSensor(Sensor sensor, Map<String, Object> properties) {
    String id = id(sensor, properties);
    if (id == null) return;
    byId.computeIfPresent(
        id,
        (key, entries) -> {
          for (Entry e : entries) {
            // Its bundle is stopping: an update or a removal is under way, not a deleted sensor.
            if (e.sensor() == sensor
                && e.provider() != null
                && e.provider().getState() == Bundle.STOPPING) {
              swapping.put(key, System.nanoTime());
            }
          }
          List<Entry> left = entries.stream().filter(e -> e.sensor() != sensor).toList();
          return left.isEmpty() ? null : left;
        });
  }

  /**
   * The id a sensor is served under: the one it reports, which is its {@code sensor.id} property
   * except when the configured id broke the id rule and the driver registered it, in error, under a
   * placeholder (a configured {@code front door} cannot be a path segment). Null without the
   * property.
   */
  private static String id(Sensor sensor, Map<String, Object> properties) {
    Object configured = properties.get(Sensor.SENSOR_ID);
    if (configured == null) return null;
    try {
      return sensor.info().id();
    } catch (RuntimeException e) { // a driver that breaks the contract is still listed
      return configured.toString();
    }
  }

  /** True when {@code id} went away with its stopping bundle less than {@link #SWAP_GRACE} ago. */
  boolean isBeingSwapped(String id) {
    Long since = swapping.get(id);
    if (since == null) return false;
    if (System.nanoTime() - since < SWAP_GRACE.toNanos()) return true;
    swapping.remove(id, since);
    return false;
  }

  private static List<Entry> append(List<Entry> entries, Entry entry) {
    return java.util.stream.Stream.concat(entries.stream(), java.util.stream.Stream.of(entry))
        .sorted(Comparator.comparingLong(Entry::serviceId))
        .toList();
  }

  Optional<Entry> byId(String id) {
    List<Entry> entries = byId.get(id);
    return entries == null ? Optional.empty() : Optional.of(entries.get(0));
  }

  /**
   * The first registered sensor of a model, as the old system's {@code /{model}/sensor} routes
   * expect.
   */
  Optional<Entry> firstOfModel(String model) {
    return all().stream()
        .filter(e -> e.model().equalsIgnoreCase(model))
        .min(Comparator.comparingLong(Entry::serviceId));
  }

  List<Entry> all() {
    return byId.values().stream().map(entries -> entries.get(0)).toList();
  }
}
