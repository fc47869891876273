package io.sensorgw.core;

import io.sensorgw.api.ExecutorStats;
import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.SensorState;
import io.sensorgw.concurrent.ManagedExecutor;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Sensor} side every driver shares: reads, state and metrics come from its {@link
 * SensorReader} and {@link ManagedExecutor}, which the driver builds from its configuration and
 * hands over with {@link #attach}. A driver adds its own metrics with {@link #deviceMetrics} (and
 * says what they are with {@link #deviceMetricDescriptions}) and releases both with {@link
 * #detach}.
 *
 * <p>Activation never blocks on, or fails for, a device: a configuration that {@link ConfigCheck}
 * found problems in is attached in state ERROR with the problems as its reason ({@link
 * #attach(SensorReader, ManagedExecutor, ConfigCheck)}), and a device that must be opened before it
 * is read is opened on its own executor, retried with backoff while it is absent ({@link
 * #openInBackground}).
 */
public abstract class DeviceSensor implements Sensor {
  /** The first retry of a failed opening waits this long; each next one twice as long. */
  static final Duration FIRST_RETRY = Duration.ofMillis(250);

  /** Retries of a failed opening wait at most this long. */
  static final Duration LONGEST_RETRY = Duration.ofSeconds(10);

  private final Logger log = LoggerFactory.getLogger(getClass());
  private SensorReader reader;
  private ManagedExecutor executor;
  private final AtomicLong openFailures = new AtomicLong();
  private volatile boolean opensInBackground;

  /** Called once from the driver's constructor or activate method, before the service is used. */
  protected final void attach(SensorReader sensorReader, ManagedExecutor sensorExecutor) {
    if (reader != null) throw new IllegalStateException("already attached");
    reader = sensorReader;
    executor = sensorExecutor;
  }

  /**
   * As {@link #attach(SensorReader, ManagedExecutor)}, with the check of the configuration the
   * reader and executor were built from. When it found problems, the sensor is in ERROR with them
   * as its reason (one line, also logged once), every read fails at once with them, and nothing is
   * retried: only a corrected configuration helps, and it replaces this component.
   *
   * @return true when the configuration is fine and the driver may start its device
   */
  protected final boolean attach(
      SensorReader sensorReader, ManagedExecutor sensorExecutor, ConfigCheck check) {
    attach(sensorReader, sensorExecutor);
    if (check.ok()) return true;
    sensorReader.unavailable(new IllegalArgumentException(check.reason()));
    log.warn(
        "Sensor {}: configuration refused: {}; waiting for a corrected configuration",
        sensorReader.info().id(),
        check.reason());
    return false;
  }

  /** Opening a device before its first read, e.g. checking and configuring a chip. */
  @FunctionalInterface
  protected interface DeviceOpening {
    /** Runs on the sensor's executor; throws when the device is absent or wrong. */
    void open() throws Exception;
  }

  /**
   * Opens the device on the sensor's own executor and returns at once: activation never waits on a
   * device. Until {@code opening} succeeds the sensor is in ERROR with the failure as its reason
   * and reads fail at once (the opening runs first on the executor, so a read that came earlier
   * waits for it); it is retried with backoff, from 250 ms doubling up to 10 s, so that a device
   * that appears later is picked up without reconfiguration. Once it has succeeded, {@code
   * whenOpen} runs (e.g. starting a sampling schedule). The first failure and the recovery are
   * logged, one line each; {@code openFailures} counts the failed attempts.
   */
  protected final void openInBackground(DeviceOpening opening, Runnable whenOpen) {
    opensInBackground = true;
    executor.submit(
        () -> {
          attemptOpening(opening, whenOpen, FIRST_RETRY);
          return null;
        });
  }

  private void attemptOpening(DeviceOpening opening, Runnable whenOpen, Duration retryIn) {
    if (executor.isClosed()) return;
    try {
      opening.open();
    } catch (Exception | LinkageError e) { // a driver library's runtime failure is a failure too
      long failures = openFailures.incrementAndGet();
      reader.unavailable(e);
      if (failures == 1) {
        log.warn("Sensor {}: {}; retrying with backoff", reader.info().id(), reader.stateReason());
      }
      Duration doubled = retryIn.multipliedBy(2);
      Duration next = doubled.compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : doubled;
      try {
        executor.schedule(
            () -> {
              attemptOpening(opening, whenOpen, next);
              return null;
            },
            retryIn);
      } catch (RejectedExecutionException closed) {
        // detached meanwhile: nothing left to open
      }
      return;
    }
    reader.available();
    if (openFailures.get() > 0) {
      log.info(
          "Sensor {}: device open after {} failed attempts",
          reader.info().id(),
          openFailures.get());
    }
    try {
      whenOpen.run();
    } catch (RejectedExecutionException closed) {
      // detached while opening: nothing to start
    }
  }

  /**
   * Closes the reader, then the executor with a bounded wait; returns whether its threads ended.
   */
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

  /**
   * The driver's own metrics, added after the reader's; by default those of a driver built against
   * core 2.0, which implements {@link #deviceStatistics} instead.
   */
  protected Map<String, Number> deviceMetrics() {
    return deviceStatistics();
  }

  /** What each of {@link #deviceMetrics} is; a metric not described is exported as a gauge. */
  protected Map<String, MetricDescription> deviceMetricDescriptions() {
    return Map.of();
  }

  /**
   * The driver's own metrics under their old name; none by default.
   *
   * @deprecated since core 2.1: implement {@link #deviceMetrics}.
   */
  @Deprecated
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
  public Map<String, Number> metrics() {
    Map<String, Number> metrics = new LinkedHashMap<>(reader.stats().toMap());
    if (opensInBackground) metrics.put("openFailures", openFailures.get());
    metrics.putAll(deviceMetrics());
    return metrics;
  }

  @Override
  public Map<String, MetricDescription> metricDescriptions() {
    Map<String, MetricDescription> descriptions =
        new LinkedHashMap<>(SensorReader.Stats.DESCRIPTIONS);
    descriptions.put(
        "openFailures", MetricDescription.counter("Failed attempts to open the device"));
    descriptions.putAll(deviceMetricDescriptions());
    return descriptions;
  }

  /** For consumers built against api 1.8 or earlier. */
  @Deprecated
  @Override
  public Map<String, Number> statistics() {
    return metrics();
  }
}
