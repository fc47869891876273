package io.sensorgw.mqtt.internal;

import java.util.function.LongSupplier;

/** A token bucket: {@code burst} at once, refilled at {@code perSecond}. Thread-safe. */
final class TokenBucket {
  private final double perNano;
  private final double burst;
  private final LongSupplier nanoTime;
  private double tokens;
  private long lastNanos;

  TokenBucket(int perSecond, int burst, LongSupplier nanoTime) {
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.nanoTime = nanoTime;
    this.tokens = burst;
    this.lastNanos = nanoTime.getAsLong();
  }

  /** Takes a token if there is one. */
  synchronized boolean tryTake() {
    long now = nanoTime.getAsLong();
    tokens = Math.min(burst, tokens + (now - lastNanos) * perNano);
    lastNanos = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }
}
