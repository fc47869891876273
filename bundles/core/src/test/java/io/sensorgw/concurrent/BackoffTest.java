package io.sensorgw.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void withoutJitterDoublesFromMinToMaxAndResets() {
    Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(10), 0, () -> 0.5);
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 9; i++) delays.add(backoff.next().toMillis());
    assertEquals(List.of(250L, 500L, 1000L, 2000L, 4000L, 8000L, 10000L, 10000L, 10000L), delays);
    backoff.reset();
    assertEquals(250, backoff.next().toMillis());
    assertEquals(500, backoff.next().toMillis());
  }

  @Test
  void jitterShortensEachDelayWithinItsFractionAndNeverPassesMax() {
    Random seeded = new Random(42);
    Backoff backoff =
        new Backoff(Duration.ofMillis(250), Duration.ofSeconds(10), 0.2, seeded::nextDouble);
    long base = 250;
    boolean anyShortened = false;
    for (int i = 0; i < 200; i++) {
      long delay = backoff.next().toNanos();
      long baseNanos = Duration.ofMillis(base).toNanos();
      assertTrue(delay <= baseNanos, "at most the doubled delay: " + delay + " vs " + baseNanos);
      assertTrue(delay >= baseNanos * 0.8, "at most 20 % shorter: " + delay + " vs " + baseNanos);
      if (delay < baseNanos) anyShortened = true;
      base = Math.min(10_000, base * 2);
    }
    assertTrue(anyShortened, "the jitter does something");
  }

  @Test
  void jitterSpreadsTwoClientsApart() {
    Backoff one =
        new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.2, new Random(1)::nextDouble);
    Backoff two =
        new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.2, new Random(2)::nextDouble);
    assertTrue(!one.next().equals(two.next()), "two seeds, two delays");
  }

  @Test
  void extremeJitterAndHugeMaxStayInRange() {
    Backoff backoff =
        new Backoff(Duration.ofMillis(1), Duration.ofDays(100_000), 0.99, () -> 0.999_999);
    for (int i = 0; i < 200; i++) {
      Duration delay = backoff.next();
      assertTrue(!delay.isNegative() && delay.compareTo(backoff.max()) <= 0, delay.toString());
    }
  }

  @Test
  void rejectsNonsense() {
    assertThrows(
        IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), Double.NaN));
  }
}
