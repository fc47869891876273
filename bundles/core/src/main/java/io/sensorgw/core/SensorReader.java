package io.sensorgw.core;

import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.SensorState;
import io.sensorgw.concurrent.ManagedExecutor;
import io.sensorgw.fanout.ReadingPublisher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The read path every driver shares: a reading younger than the sensor's max age is served from
 * cache; otherwise concurrent callers share one acquisition on the device's executor (single
 * flight), bounded by a per-read timeout. Every fresh reading goes to the {@code sink} (normally
 * {@link ReadingPublisher#publish}).
 */
public final class SensorReader implements AutoCloseable {
  /** The device access a driver supplies; runs on the device's executor and may block. */
  @FunctionalInterface
  public interface Acquisition {
    Measurement acquire() throws Exception;
  }

  /**
   * @param reads calls of read()
   * @param cacheHits reads served from cache
   * @param acquisitions device accesses started
   * @param errors device accesses that failed or timed out
   * @param timeouts device accesses that timed out
   * @param lastAcquisitionMillis duration of the last successful device access
   */
  public record Stats(
      long reads,
      long cacheHits,
      long acquisitions,
      long errors,
      long timeouts,
      double lastAcquisitionMillis) {
    /** What each of {@link #toMap()} is, by the same names. */
    public static final Map<String, MetricDescription> DESCRIPTIONS =
        Map.of(
            "reads",
            MetricDescription.counter("Calls of read()"),
            "cacheHits",
            MetricDescription.counter("Reads served from cache"),
            "acquisitions",
            MetricDescription.counter("Device accesses started"),
            "errors",
            MetricDescription.counter("Device accesses that failed or timed out"),
            "timeouts",
            MetricDescription.counter("Device accesses that timed out"),
            "lastAcquisitionMs",
            MetricDescription.gauge(
                MetricDescription.MILLISECONDS, "Duration of the last successful device access"));

    /** The metrics by name, for {@code Sensor.metrics()}. */
    public Map<String, Number> toMap() {
      Map<String, Number> map = new LinkedHashMap<>();
      map.put("reads", reads);
      map.put("cacheHits", cacheHits);
      map.put("acquisitions", acquisitions);
      map.put("errors", errors);
      map.put("timeouts", timeouts);
      map.put("lastAcquisitionMs", lastAcquisitionMillis);
      return map;
    }
  }

  private final SensorInfo info;
  private final ManagedExecutor executor;
  private final Duration readTimeout;
  private final Acquisition acquisition;
  private final Consumer<Reading> sink;
  private final Clock clock;

  // Guards every change of state, cache and failure and every publication against close(): once
  // closed, a late acquisition, offer or fail changes nothing and publishes nothing.
  private final Object lock = new Object();
  private CompletableFuture<Reading> inFlight; // guarded by lock
  private CompletableFuture<Reading> nextOffered; // streaming devices; guarded by lock
  private volatile Reading latest; // written under lock
  private volatile Throwable failure; // a streaming device's failure, until it offers again
  // Why no read may reach the device (a bad configuration, a device not opened): until available().
  private volatile Throwable unavailable; // written under lock
  private volatile SensorState state = SensorState.STARTING; // written under lock
  private volatile String reason = ""; // why the state is what it is; written under lock
  private volatile ScheduledFuture<?> sampling;
  private volatile boolean closed; // written under lock

  private final AtomicLong sequence = new AtomicLong();
  private final LongAdder reads = new LongAdder();
  private final LongAdder cacheHits = new LongAdder();
  private final LongAdder acquisitions = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder staleServed = new LongAdder();
  private volatile boolean serveStale;

  public SensorReader(
      SensorInfo info,
      ManagedExecutor executor,
      Duration readTimeout,
      Acquisition acquisition,
      Consumer<Reading> sink) {
    this(info, executor, readTimeout, acquisition, sink, Clock.systemUTC());
  }

  public SensorReader(
      SensorInfo info,
      ManagedExecutor executor,
      Duration readTimeout,
      Acquisition acquisition,
      Consumer<Reading> sink,
      Clock clock) {
    this.info = info;
    this.executor = executor;
    this.readTimeout = readTimeout;
    this.acquisition = acquisition;
    this.sink = sink;
    this.clock = clock;
  }

  /**
   * A reader for a device that produces readings on its own (a serial stream, notifications): the
   * driver hands each one to {@link #offer}; a read that finds no fresh reading waits for the next
   * one, up to the read timeout, and {@link #fail} ends such waits at once.
   */
  public static SensorReader streaming(
      SensorInfo info, ManagedExecutor executor, Duration readTimeout, Consumer<Reading> sink) {
    return new SensorReader(info, executor, readTimeout, null, sink, Clock.systemUTC());
  }

  /**
   * Serve-stale mode, for devices whose acquisition is slow (a camera): a read that finds the
   * cached reading older than max age gets it at once, marked {@link Quality#STALE} with its age,
   * while one refresh runs in the background. Only the very first read waits for the device.
   */
  public SensorReader servingStaleWhileRefreshing() {
    serveStale = true;
    return this;
  }

  /**
   * A reading no older than max age: cached, or the shared result of one fresh acquisition (in
   * serve-stale mode, the cached one marked stale while that acquisition runs).
   */
  public CompletableFuture<Reading> read() {
    reads.increment();
    Reading cached = latest;
    if (cached != null && !closed) {
      Duration age = cached.age(clock.instant());
      if (age.compareTo(info.maxAge()) <= 0) {
        cacheHits.increment();
        return CompletableFuture.completedFuture(cached);
      }
      if (serveStale && state != SensorState.ERROR) {
        staleServed.increment();
        refresh(); // shared with any refresh already running; its outcome reaches the cache
        return CompletableFuture.completedFuture(stale(cached, age));
      }
    }
    return refresh();
  }

  private static Reading stale(Reading reading, Duration age) {
    String note =
        String.format(
            java.util.Locale.ROOT,
            "stale: %.1f s old; a fresh acquisition is running",
            age.toMillis() / 1000.0);
    return new Reading(
        reading.sensorId(),
        reading.sequence(),
        reading.acquiredAt(),
        reading.values(),
        Quality.STALE,
        reading.acquisitionTime(),
        reading.message().isEmpty() ? note : reading.message() + "; " + note);
  }

  /** Reads answered with a stale reading in serve-stale mode. */
  public long staleServed() {
    return staleServed.sum();
  }

  /** A fresh acquisition, shared with any already in flight; bypasses the cache. */
  public CompletableFuture<Reading> refresh() {
    CompletableFuture<Reading> shared;
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("sensor " + info.id() + " is closed"));
      }
      Throwable held = unavailable;
      if (held != null) return CompletableFuture.failedFuture(held);
      shared = inFlight;
      if (acquisition == null) return awaitOffer();
      // A finished acquisition whose bookkeeping has not run yet is not shared any more.
      if (shared == null || shared.isDone()) {
        CompletableFuture<Reading> started = startAcquisition();
        shared = started;
        inFlight = started.isDone() ? null : started;
      }
    }
    // Each caller gets its own stage, so one caller's cancel cannot fail the others.
    return shared.thenApply(reading -> reading);
  }

  // Called with lock held.
  private CompletableFuture<Reading> awaitOffer() {
    Throwable failed = failure;
    if (failed != null) return CompletableFuture.failedFuture(failed);
    if (nextOffered == null || nextOffered.isDone()) {
      acquisitions.increment();
      CompletableFuture<Reading> next = new CompletableFuture<>();
      next.orTimeout(readTimeout.toNanos(), TimeUnit.NANOSECONDS)
          .whenComplete(
              (reading, error) -> {
                if (error == null) return;
                errors.increment();
                if (error instanceof TimeoutException) {
                  timeouts.increment();
                  markError(
                      new TimeoutException("no reading within " + readTimeout.toMillis() + " ms"));
                }
              });
      nextOffered = next;
    }
    return nextOffered.thenApply(reading -> reading);
  }

  // Called with lock held.
  private CompletableFuture<Reading> startAcquisition() {
    acquisitions.increment();
    CompletableFuture<Reading> task = executor.submit(this::acquireReading);
    task.orTimeout(readTimeout.toNanos(), TimeUnit.NANOSECONDS);
    task.whenComplete(
        (reading, error) -> {
          synchronized (lock) {
            if (inFlight == task) inFlight = null;
          }
          if (error == null) return;
          Throwable cause = error instanceof CompletionException ? error.getCause() : error;
          errors.increment();
          if (cause instanceof TimeoutException) {
            timeouts.increment();
            cause = new TimeoutException("no reading within " + readTimeout.toMillis() + " ms");
          }
          markError(cause);
        });
    return task;
  }

  private Reading acquireReading() throws Exception {
    // A read queued behind a device's opening that failed meanwhile must not reach the device.
    Throwable heldBefore = unavailable;
    if (heldBefore != null)
      throw heldBefore instanceof Exception e ? e : new IllegalStateException(heldBefore);
    Instant start = clock.instant();
    long startNanos = System.nanoTime();
    Measurement measurement = acquisition.acquire();
    Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
    Reading reading =
        new Reading(
            info.id(),
            sequence.incrementAndGet(),
            start,
            measurement.values(),
            measurement.quality(),
            took,
            measurement.message());
    synchronized (lock) {
      if (closed) throw new IllegalStateException("sensor " + info.id() + " is closed");
      Throwable held = unavailable;
      if (held != null) throw held instanceof Exception e ? e : new IllegalStateException(held);
      latest = reading;
      state = SensorState.OK;
      reason = "";
      sink.accept(reading); // never blocks (ReadingPublisher's contract)
    }
    return reading;
  }

  private void markError(Throwable cause) {
    synchronized (lock) {
      if (closed || unavailable != null) return;
      state = SensorState.ERROR;
      reason = describe(cause);
    }
  }

  /** One line for a failure: its message, or its type when it has none. */
  static String describe(Throwable cause) {
    String message = cause.getMessage();
    String line = message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    int newline = line.indexOf('\n');
    return newline < 0 ? line : line.substring(0, newline);
  }

  /**
   * Accepts a reading the device produced on its own (a streaming device), so that it is cached and
   * published like an acquired one. Sequence numbers are assigned here. After {@link #close}, and
   * while {@link #unavailable}, it is ignored: nothing is cached or published, and null is
   * returned.
   */
  public Reading offer(Measurement measurement, Instant acquiredAt, Duration acquisitionTime) {
    CompletableFuture<Reading> waiting;
    Reading reading;
    synchronized (lock) {
      if (closed || unavailable != null) return null;
      reading =
          new Reading(
              info.id(),
              sequence.incrementAndGet(),
              acquiredAt,
              measurement.values(),
              measurement.quality(),
              acquisitionTime,
              measurement.message());
      latest = reading;
      failure = null;
      state = SensorState.OK;
      reason = "";
      waiting = nextOffered;
      nextOffered = null;
      sink.accept(reading); // never blocks (ReadingPublisher's contract)
    }
    if (waiting != null) waiting.complete(reading);
    return reading;
  }

  /** Acquires a fresh reading every {@code interval} on the device's executor until closed. */
  public void sampleEvery(Duration interval) {
    if (interval.isZero() || interval.isNegative()) return;
    if (acquisition == null) throw new IllegalStateException("a streaming device samples itself");
    ScheduledFuture<?> previous = sampling;
    if (previous != null) previous.cancel(false);
    sampling = executor.scheduleAtFixedRate(() -> refresh(), Duration.ZERO, interval);
  }

  /**
   * Marks the device failed, e.g. when its port disappeared: the cached value is dropped, so no
   * stale value passes for fresh, and reads of a streaming device, waiting or new, fail with {@code
   * cause} at once until the device offers a reading again. While {@link #unavailable} it changes
   * nothing: that reason stands until {@link #available}.
   */
  public void fail(Throwable cause) {
    CompletableFuture<Reading> waiting;
    synchronized (lock) {
      if (closed || unavailable != null) return;
      latest = null;
      failure = cause;
      state = SensorState.ERROR;
      reason = describe(cause);
      waiting = nextOffered;
      nextOffered = null;
    }
    if (waiting != null) waiting.completeExceptionally(cause);
  }

  /**
   * Holds the sensor in ERROR with {@code cause}'s message as its reason, for a device that cannot
   * be read at all: a bad configuration, or a device not opened yet. Every read, sampling included,
   * fails at once with {@code cause} without reaching the device or its executor; the cached value
   * is dropped; offers, failures and late acquisitions change nothing. For acquisition and
   * streaming readers alike; it lasts until {@link #available} (a configuration problem: for the
   * life of the reader).
   */
  public void unavailable(Throwable cause) {
    CompletableFuture<Reading> waiting;
    synchronized (lock) {
      if (closed) return;
      unavailable = cause;
      latest = null;
      state = SensorState.ERROR;
      reason = describe(cause);
      waiting = nextOffered;
      nextOffered = null;
    }
    if (waiting != null) waiting.completeExceptionally(cause);
  }

  /**
   * Ends {@link #unavailable}: the device is open, reads reach it again. The state is STARTING
   * until the first reading makes it OK.
   */
  public void available() {
    synchronized (lock) {
      if (closed || unavailable == null) return;
      unavailable = null;
      failure = null;
      state = SensorState.STARTING;
      reason = "";
    }
  }

  /** True while {@link #unavailable}. */
  public boolean isUnavailable() {
    return unavailable != null;
  }

  public SensorState state() {
    return state;
  }

  /** Why the state is what it is (the last failure's message while in error); empty when OK. */
  public String stateReason() {
    return reason;
  }

  public SensorInfo info() {
    return info;
  }

  /** The last fresh reading, or null. */
  public Reading latest() {
    return latest;
  }

  public Stats stats() {
    Reading last = latest;
    return new Stats(
        reads.sum(),
        cacheHits.sum(),
        acquisitions.sum(),
        errors.sum(),
        timeouts.sum(),
        last == null ? 0 : last.acquisitionTime().toNanos() / 1e6);
  }

  /** Stops sampling and fails further reads; the executor belongs to the caller. */
  @Override
  public void close() {
    ScheduledFuture<?> schedule = sampling;
    if (schedule != null) schedule.cancel(false);
    CompletableFuture<Reading> waiting;
    synchronized (lock) {
      closed = true;
      state = SensorState.STOPPED;
      waiting = nextOffered;
      nextOffered = null;
    }
    if (waiting != null) {
      waiting.completeExceptionally(
          new IllegalStateException("sensor " + info.id() + " is closed"));
    }
  }
}
