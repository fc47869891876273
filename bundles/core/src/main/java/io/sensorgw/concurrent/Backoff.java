package io.sensorgw.concurrent;

import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.function.DoubleSupplier;

/**
 * Delays between attempts: the first is {@code min}, each next one doubles up to {@code max}, and
 * {@link #reset()} starts again from {@code min}. Each delay is shortened by a random fraction up
 * to {@code jitter}, so that many clients that lost the same server do not all come back in the
 * same instant; it never exceeds {@code max}. Not thread-safe: one retrying thread owns it.
 */
public final class Backoff {
  /** Shared defaults: retry soon, settle at a few attempts a minute, spread by a fifth. */
  public static final Duration DEFAULT_MIN = Duration.ofMillis(250);

  public static final Duration DEFAULT_MAX = Duration.ofSeconds(10);
  public static final double DEFAULT_JITTER = 0.2;

  private final long minNanos;
  private final long maxNanos;
  private final double jitter;
  private final DoubleSupplier random;
  private long nextNanos;

  /** Backoff with a seeded random source: {@code random} yields values in [0, 1). */
  public Backoff(Duration min, Duration max, double jitter, DoubleSupplier random) {
    if (min.isNegative() || min.isZero()) throw new IllegalArgumentException("min must be > 0");
    if (max.compareTo(min) < 0) throw new IllegalArgumentException("max must be >= min");
    if (!(jitter >= 0 && jitter < 1))
      throw new IllegalArgumentException("jitter must be in [0, 1)");
    this.minNanos = min.toNanos();
    this.maxNanos = max.toNanos();
    this.jitter = jitter;
    this.random = Objects.requireNonNull(random);
    this.nextNanos = minNanos;
  }

  public Backoff(Duration min, Duration max, double jitter) {
    this(min, max, jitter, new Random()::nextDouble);
  }

  /** The defaults: 250 ms doubling to 10 s, jitter 0.2. */
  public static Backoff defaults() {
    return new Backoff(DEFAULT_MIN, DEFAULT_MAX, DEFAULT_JITTER);
  }

  /** The delay before the next attempt; the one after will be twice as long (up to max). */
  public Duration next() {
    long base = nextNanos;
    nextNanos = base > maxNanos / 2 ? maxNanos : Math.min(maxNanos, base * 2);
    return Duration.ofNanos(base - (long) (base * jitter * random.getAsDouble()));
  }

  /** After a success: the next delay is {@code min} again. */
  public void reset() {
    nextNanos = minNanos;
  }

  public Duration min() {
    return Duration.ofNanos(minNanos);
  }

  public Duration max() {
    return Duration.ofNanos(maxNanos);
  }

  public double jitter() {
    return jitter;
  }
}
