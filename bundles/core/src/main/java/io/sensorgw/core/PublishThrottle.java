package io.sensorgw.core;

import io.sensorgw.api.Reading;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Telemetry downsampling: passes at most one reading per interval on to {@code sink} (an interval
 * of zero passes all). The reader still caches every reading, so the latest reading served is
 * always the latest sample; only what goes to the listeners (MQTT, store, stream) is thinned.
 */
public final class PublishThrottle implements Consumer<Reading> {
  private final long intervalNanos;
  private final Consumer<Reading> sink;
  private final AtomicLong lastPassedNanos = new AtomicLong();
  private final AtomicLong passed = new AtomicLong();
  private final AtomicLong held = new AtomicLong();

  public PublishThrottle(Duration interval, Consumer<Reading> sink) {
    this.intervalNanos = interval.toNanos();
    this.sink = sink;
  }

  @Override
  public void accept(Reading reading) {
    long now = System.nanoTime();
    long last = lastPassedNanos.get();
    boolean due = intervalNanos <= 0 || passed.get() == 0 || now - last >= intervalNanos;
    if (due && lastPassedNanos.compareAndSet(last, now)) {
      passed.incrementAndGet();
      sink.accept(reading);
    } else {
      held.incrementAndGet();
    }
  }

  /** Readings passed on to the sink. */
  public long passed() {
    return passed.get();
  }

  /** Readings not passed on because the interval had not elapsed. */
  public long held() {
    return held.get();
  }
}
