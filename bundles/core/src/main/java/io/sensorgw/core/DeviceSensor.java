package io.sensorgw.core;

import io.sensorgw.api.ExecutorStats;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.SensorState;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The {@link Sensor} side every driver shares: reads, state and statistics come from its
 * {@link SensorReader} and {@link ManagedExecutor}, which the driver builds from its configuration
 * and hands over with {@link #attach}. A driver adds its own counters with {@link #deviceStatistics}
 * and releases both with {@link #detach}.
 */
public abstract class DeviceSensor implements Sensor {
  private SensorReader reader;
  private ManagedExecutor executor;

  /** Called once from the driver's constructor or activate method, before the service is used. */
  protected final void attach(SensorReader sensorReader, ManagedExecutor sensorExecutor) {
    if (reader != null) throw new IllegalStateException("already attached");
    reader = sensorReader;
    executor = sensorExecutor;
  }

  /** Closes the reader, then the executor with a bounded wait; returns whether its threads ended. */
  protected final boolean detach(Duration wait) {
    reader.close();
    return executor.close(wait);
  }

  protected final SensorReader reader() {
    return reader;
  }

  protected final ManagedExecutor executor() {
    return executor;
  }

  /** The driver's own counters, added after the reader's; none by default. */
  protected Map<String, Number> deviceStatistics() {
    return Map.of();
  }

  @Override
  public SensorInfo info() {
    return reader.info();
  }

  @Override
  public CompletionStage<Reading> read() {
    return reader.read();
  }

  @Override
  public SensorState state() {
    return reader.state();
  }

  @Override
  public String stateReason() {
    return reader.stateReason();
  }

  @Override
  public ExecutorStats executorStats() {
    return executor.stats();
  }

  @Override
  public Map<String, Number> statistics() {
    Map<String, Number> stats = new LinkedHashMap<>(reader.stats().toMap());
    stats.putAll(deviceStatistics());
    return stats;
  }
}
