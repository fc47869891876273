package io.sensorgw.shell.internal;

import io.sensorgw.api.ExecutorStats;
import io.sensorgw.api.HealthSource;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.Value;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * Gogo commands for operators: {@code sensor:list}, {@code sensor:read <id>}, {@code sensor:metrics
 * [id]} (also {@code sensor:stats}, its name before), {@code sensor:health}. Each returns the text
 * it shows, so it can be piped and tested.
 */
@Component(
    service = SensorCommands.class,
    property = {
      "osgi.command.scope=sensor",
      "osgi.command.function=list",
      "osgi.command.function=read",
      "osgi.command.function=metrics",
      "osgi.command.function=stats",
      "osgi.command.function=health"
    })
public class SensorCommands {
  /** A shell read waits at most this long; the sensor's own timeout is normally shorter. */
  private static final long READ_WAIT_SECONDS = 30;

  private final List<Sensor> sensors = new CopyOnWriteArrayList<>();

  @Reference(
      service = Sensor.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addSensor(Sensor sensor) {
    sensors.add(sensor);
  }

  void removeSensor(Sensor sensor) {
    sensors.remove(sensor);
  }

  private final Map<HealthSource, String> parts = new ConcurrentHashMap<>();

  @Reference(
      service = HealthSource.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addPart(HealthSource part, Map<String, Object> properties) {
    parts.put(part, String.valueOf(properties.getOrDefault(HealthSource.NAME, "unnamed")));
  }

  void removePart(HealthSource part) {
    parts.remove(part);
  }

  /**
   * sensor:health: what {@code /health} says, for an operator at the console: each part (store,
   * telemetry) and each sensor with its state, and the reason where it is not OK.
   */
  public String health() {
    Map<String, String> lines = new TreeMap<>();
    parts.forEach(
        (part, name) -> {
          HealthSource.Health health;
          try {
            health = part.health();
          } catch (RuntimeException e) { // a part that cannot say is not up
            health =
                new HealthSource.Health(
                    io.sensorgw.api.SensorState.ERROR, "health check failed: " + e);
          }
          lines.put("part " + name, line(health.state(), health.reason()));
        });
    for (Sensor sensor : sensors) {
      lines.put("sensor " + sensor.info().id(), line(sensor.state(), sensor.stateReason()));
    }
    StringBuilder out = new StringBuilder();
    lines.forEach((name, line) -> out.append(String.format("%-24s %s%n", name, line)));
    return out.length() == 0 ? "(nothing to report)\n" : out.toString();
  }

  private static String line(Enum<?> state, String reason) {
    return reason == null || reason.isEmpty() ? lower(state) : lower(state) + ": " + reason;
  }

  /** sensor:list: one line per sensor, and under one that is not OK, a line saying why. */
  public String list() {
    StringBuilder out =
        new StringBuilder(
            String.format(
                "%-16s %-8s %-9s %-9s %-10s %s%n",
                "ID", "MODEL", "KIND", "STATE", "SOURCE", "DESCRIPTION"));
    for (Sensor sensor : sorted()) {
      SensorInfo info = sensor.info();
      String state = lower(sensor.state());
      out.append(
          String.format(
              "%-16s %-8s %-9s %-9s %-10s %s%n",
              info.id(),
              info.model(),
              info.kind(),
              state,
              info.simulated() ? "simulated" : "hardware",
              info.description()));
      String reason = sensor.stateReason();
      if (reason != null && !reason.isEmpty())
        out.append(String.format("  %s: %s%n", state, reason));
    }
    if (sensors.isEmpty()) out.append("(no sensors)\n");
    return out.toString();
  }

  /** sensor:read ID: one reading, as the HTTP API would serve it. */
  public String read(String id) throws InterruptedException {
    Sensor sensor = find(id);
    Reading reading;
    try {
      reading = sensor.read().toCompletableFuture().get(READ_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "reading " + id + " failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "reading " + id + " took longer than " + READ_WAIT_SECONDS + " s", e);
    }
    StringBuilder out =
        new StringBuilder(
            String.format(
                "%s #%d at %s, %s, acquired in %.3f ms%n",
                reading.sensorId(),
                reading.sequence(),
                reading.acquiredAt(),
                lower(reading.quality()),
                reading.acquisitionTime().toNanos() / 1e6));
    for (Map.Entry<String, Value> value : reading.values().entrySet()) {
      out.append(
          String.format(
              "  %-16s %12.4f %s%n",
              value.getKey(), value.getValue().value(), value.getValue().unit()));
    }
    if (!reading.message().isEmpty()) out.append("  ").append(reading.message()).append('\n');
    return out.toString();
  }

  /** sensor:metrics: executor and driver metrics of every sensor. */
  public String metrics() {
    StringBuilder out = new StringBuilder();
    for (Sensor sensor : sorted()) out.append(metrics(sensor));
    return out.length() == 0 ? "(no sensors)\n" : out.toString();
  }

  /** sensor:metrics ID: executor and driver metrics of one sensor. */
  public String metrics(String id) {
    return metrics(find(id));
  }

  /** sensor:stats, the name of sensor:metrics before, kept for operators' scripts. */
  public String stats() {
    return metrics();
  }

  /** sensor:stats ID, the name of sensor:metrics ID before. */
  public String stats(String id) {
    return metrics(id);
  }

  private static String metrics(Sensor sensor) {
    ExecutorStats e = sensor.executorStats();
    StringBuilder out =
        new StringBuilder(
            String.format(
                "%s: executor %s threads=%d active=%d queued=%d/%d completed=%d failed=%d rejected=%d "
                    + "latency mean=%.2f ms max=%.2f ms%n",
                sensor.info().id(),
                e.name(),
                e.threads(),
                e.active(),
                e.queued(),
                e.queueCapacity(),
                e.completed(),
                e.failed(),
                e.rejected(),
                e.meanLatencyMillis(),
                e.maxLatencyMillis()));
    sensor
        .metrics()
        .forEach((name, value) -> out.append(String.format("  %-18s %s%n", name, value)));
    return out.toString();
  }

  private Sensor find(String id) {
    return sensors.stream()
        .filter(s -> s.info().id().equals(id))
        .findFirst()
        .orElseThrow(
            () -> new IllegalArgumentException("no sensor with id '" + id + "'; see sensor:list"));
  }

  private List<Sensor> sorted() {
    return sensors.stream().sorted(Comparator.comparing(s -> s.info().id())).toList();
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }
}
