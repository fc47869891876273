package io.sensorgw.alarms.internal;

import io.sensorgw.api.Alarm;
import io.sensorgw.api.AlarmListener;
import io.sensorgw.api.Alarms;
import io.sensorgw.api.HealthSource;
import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorState;
import io.sensorgw.concurrent.ManagedExecutor;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The alarms bundle's one engine: a raw {@link ReadingListener} (every reading, not only the
 * reported ones, so a threshold is never missed between reports), a tracker of {@link Sensor}
 * states, a timer for state and stale rules, the {@link AlarmListener} whiteboard, the {@link
 * Alarms} service the HTTP API reads, the {@code alarms} metrics, and the {@code alarms} part of
 * {@code /health}: in error while a rule's configuration is refused (the others keep watching).
 */
@Component(
    immediate = true,
    service = {
      AlarmsComponent.class,
      Alarms.class,
      ReadingListener.class,
      MetricsSource.class,
      HealthSource.class
    },
    property = {
      MetricsSource.NAME + "=alarms",
      HealthSource.NAME + "=alarms",
      ReadingListener.REPORTED + ":Boolean=false",
      ReadingListener.QUEUE_CAPACITY + ":Integer=4096"
    })
public class AlarmsComponent implements Alarms, ReadingListener, MetricsSource, HealthSource {
  /** How often state and stale rules are looked at (only while there are any). */
  static final Duration TICK = Duration.ofMillis(100);

  /** Alarms held for one listener that is behind; beyond it the oldest are dropped. */
  static final int LISTENER_QUEUE = 1024;

  private final Map<Sensor, String> sensors = new ConcurrentHashMap<>();
  private final Map<String, Sensor> sensorsById = new ConcurrentHashMap<>();
  private final ManagedExecutor timer = new ManagedExecutor("alarms-timer", 1, 1);
  private final ManagedExecutor delivery = new ManagedExecutor("alarms-delivery", 2, 4096);
  private final AlarmDispatcher dispatcher = new AlarmDispatcher(execute(delivery), LISTENER_QUEUE);
  private final AlarmEngine engine =
      new AlarmEngine(Clock.systemUTC(), this::sensorState, dispatcher::publish);

  private final Object tickingLock = new Object();
  private ScheduledFuture<?> ticking; // under tickingLock; null while no rule needs the clock

  @Activate
  public AlarmsComponent() {}

  /** A rule configuration added or edited, from {@link AlarmRules}. */
  void putRule(String pid, Map<String, ?> properties) {
    engine.putRule(pid, properties);
    followTimedRules();
  }

  /** A rule configuration deleted, from {@link AlarmRules}. */
  void removeRule(String pid) {
    engine.removeRule(pid);
    followTimedRules();
  }

  /**
   * Ticks only while a state or stale rule needs the clock: value rules are evaluated on readings,
   * so a gateway with none of the others does not wake up ten times a second for nothing.
   */
  private void followTimedRules() {
    synchronized (tickingLock) {
      boolean needed = engine.hasTimedRules();
      if (needed && ticking == null) {
        // A queue of one: a tick still running makes the next one skip, never pile up.
        ticking =
            timer.scheduleAtFixedRate(
                () -> {
                  engine.tick();
                  return null;
                },
                TICK,
                TICK);
      } else if (!needed && ticking != null) {
        ticking.cancel(false);
        ticking = null;
      }
    }
  }

  /** Whether the timer is ticking for state and stale rules. */
  boolean ticking() {
    synchronized (tickingLock) {
      return ticking != null;
    }
  }

  @Deactivate
  void deactivate() {
    timer.close(Duration.ofSeconds(2));
    delivery.close(Duration.ofSeconds(2));
  }

  /** The managed executor as a plain one whose rejection is thrown, as the dispatcher expects. */
  private static Executor execute(ManagedExecutor executor) {
    return task -> {
      CompletableFuture<Object> submitted =
          executor.submit(
              () -> {
                task.run();
                return null;
              });
      if (submitted.isCompletedExceptionally()) {
        try {
          submitted.join();
        } catch (CompletionException e) {
          if (e.getCause() instanceof RejectedExecutionException rejected) throw rejected;
        }
      }
    };
  }

  private SensorState sensorState(String sensorId) {
    Sensor sensor = sensorsById.get(sensorId);
    return sensor == null ? null : sensor.state();
  }

  @Reference(
      service = Sensor.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addSensor(Sensor sensor) {
    String id = sensor.info().id();
    sensors.put(sensor, id);
    sensorsById.put(id, sensor);
  }

  void removeSensor(Sensor sensor) {
    String id = sensors.remove(sensor);
    if (id != null) sensorsById.remove(id, sensor);
  }

  @Reference(
      service = AlarmListener.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addListener(AlarmListener listener) {
    engine.withActive(
        current -> {
          dispatcher.add(listener, current);
          return null;
        });
  }

  void removeListener(AlarmListener listener) {
    dispatcher.remove(listener);
  }

  @Override
  public void onReading(Reading reading) {
    engine.onReading(reading);
  }

  @Override
  public List<Alarm> active() {
    return engine.active();
  }

  @Override
  public List<Rule> rules() {
    return engine.rules();
  }

  @Override
  public Health health() {
    String refused = engine.refusedSummary();
    return refused.isEmpty() ? Health.ok() : new Health(SensorState.ERROR, refused);
  }

  @Override
  public Map<String, MetricDescription> metricDescriptions() {
    return Map.of(
        "rules",
        MetricDescription.gauge("Alarm rules in force"),
        "rulesInError",
        MetricDescription.gauge("Alarm rules refused for an error"),
        "active",
        MetricDescription.gauge("Alarms raised now"),
        "raised",
        MetricDescription.counter("Alarms raised"),
        "cleared",
        MetricDescription.counter("Alarms cleared"),
        "readings",
        MetricDescription.counter("Readings evaluated against the rules"),
        "listeners",
        MetricDescription.gauge("Alarm listeners bound"),
        "delivered",
        MetricDescription.counter("Alarm changes delivered to listeners"),
        "listenerErrors",
        MetricDescription.counter("Alarm listener calls that threw"),
        "listenerDropped",
        MetricDescription.counter("Alarm changes dropped because a listener fell behind"));
  }

  @Override
  public Map<String, Number> metrics() {
    Map<String, Number> metrics = new LinkedHashMap<>(engine.metrics());
    metrics.put("listeners", dispatcher.listeners());
    metrics.put("delivered", dispatcher.delivered.sum());
    metrics.put("listenerErrors", dispatcher.listenerErrors.sum());
    metrics.put("listenerDropped", dispatcher.dropped.sum());
    return metrics;
  }
}
