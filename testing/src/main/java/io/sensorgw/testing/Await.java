package io.sensorgw.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Waits on a condition with a deadline (Awaitility): tests never sleep to synchronise. The deadline
 * is generous, since a busy machine is slow but never minutes slow; the normal case returns as soon
 * as the condition holds, checked every few milliseconds.
 */
public final class Await {
  /** Long enough for a machine at many times its cores' load; a test that needs it has hung. */
  public static final Duration DEADLINE = Duration.ofMinutes(2);

  private Await() {}

  private static ConditionFactory await(String what) {
    return Awaitility.await(what)
        .atMost(DEADLINE)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(2))
        .pollInSameThread();
  }

  /** The probe's first value that meets the condition; fails naming {@code what} and the last. */
  public static <T> T until(Supplier<T> probe, Predicate<T> condition, String what) {
    Object[] last = new Object[1];
    try {
      return await(what)
          .until(
              () -> {
                T value = probe.get();
                last[0] = value;
                return value;
              },
              condition::test);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("timed out waiting for " + what + "; last value: " + last[0], e);
    }
  }

  /** Returns once the condition holds; fails naming {@code what}. */
  public static void until(BooleanSupplier condition, String what) {
    try {
      await(what).until(condition::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("timed out waiting for " + what, e);
    }
  }
}
