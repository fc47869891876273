package io.sensorgw.web;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Bad credentials per client address (the API's tokens, the console's password): after {@code
 * maxFailures} within a window, that address is refused (429) until the window ends, without its
 * credentials being looked at. Bounded: past {@link #MAX_ADDRESSES} addresses, expired windows are
 * dropped, then the oldest.
 */
public final class FailureThrottle {
  public static final int MAX_ADDRESSES = 10_000;

  private final int maxFailures;
  private final long windowNanos;
  private final LongSupplier nanoClock;
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  /** Failures of one address since {@code startNanos}. */
  private record Window(long startNanos, int failures) {}

  public FailureThrottle(int maxFailures, long windowNanos, LongSupplier nanoClock) {
    this.maxFailures = maxFailures;
    this.windowNanos = windowNanos;
    this.nanoClock = nanoClock;
  }

  /** Seconds until the address may try again, 0 when it may now. */
  public long retryAfterSeconds(String address) {
    Window window = windows.get(address);
    if (window == null || window.failures() < maxFailures) return 0;
    long left = window.startNanos() + windowNanos - nanoClock.getAsLong();
    if (left <= 0) return 0;
    return Math.max(1, (left + 999_999_999L) / 1_000_000_000L);
  }

  /** Counts a failure; returns the address's failures in the current window. */
  public int failed(String address) {
    long now = nanoClock.getAsLong();
    if (windows.size() >= MAX_ADDRESSES && !windows.containsKey(address)) prune(now);
    Window window =
        windows.compute(
            address,
            (key, current) ->
                current == null || now - current.startNanos() >= windowNanos
                    ? new Window(now, 1)
                    : new Window(current.startNanos(), current.failures() + 1));
    return window.failures();
  }

  /** Failures of the address in its current window (0 when none or expired). */
  public int failuresOf(String address) {
    Window window = windows.get(address);
    if (window == null || nanoClock.getAsLong() - window.startNanos() >= windowNanos) return 0;
    return window.failures();
  }

  public int addresses() {
    return windows.size();
  }

  private void prune(long now) {
    windows.values().removeIf(w -> now - w.startNanos() >= windowNanos);
    if (windows.size() < MAX_ADDRESSES) return;
    windows.entrySet().stream()
        .min((a, b) -> Long.compare(a.getValue().startNanos(), b.getValue().startNanos()))
        .ifPresent(oldest -> windows.remove(oldest.getKey()));
  }
}
