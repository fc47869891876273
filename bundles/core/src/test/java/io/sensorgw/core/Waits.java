package io.sensorgw.core;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits on a condition with a deadline: tests never sleep to synchronise. The deadline is generous
 * (a busy machine is slow, never minutes slow); the normal case returns as soon as it holds.
 */
public final class Waits {
  private Waits() {}

  public static <T> T until(Supplier<T> probe, Predicate<T> condition, String what) {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    T value = probe.get();
    while (!condition.test(value)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "; last value: " + value);
      }
      LockSupport.parkNanos(1_000_000); // poll interval, not a synchronisation
      value = probe.get();
    }
    return value;
  }
}
