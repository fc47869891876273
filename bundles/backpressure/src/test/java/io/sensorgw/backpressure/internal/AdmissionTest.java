package io.sensorgw.backpressure.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.netflix.concurrency.limits.limit.FixedLimit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AdmissionTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Test
  void fixedLimitAdmitsUpToItsPermitsThenQueuesInOrder() {
    Admission admission = new Admission(FixedLimit.of(2), 2, nanos::get);
    Admission.Permit first = admission.tryAcquire();
    Admission.Permit second = admission.tryAcquire();
    assertNotNull(first);
    assertNotNull(second);
    assertNull(admission.tryAcquire(), "a third request must wait");

    List<String> granted = new ArrayList<>();
    List<Admission.Permit> permits = new ArrayList<>();
    assertNotNull(
        admission.enqueue(
            p -> {
              granted.add("a");
              permits.add(p);
            }));
    assertNotNull(
        admission.enqueue(
            p -> {
              granted.add("b");
              permits.add(p);
            }));
    assertNull(admission.enqueue(p -> granted.add("c")), "the queue holds two");
    assertEquals(2, admission.snapshot().waiting());

    assertTrue(first.release(false), "the first release gives the permit back");
    assertEquals(List.of("a"), granted);
    assertFalse(
        first.release(false), "twice is once (a client that left and its answer both release)");
    assertEquals(List.of("a"), granted);
    assertEquals(2, admission.snapshot().inFlight());
    second.release(false);
    assertEquals(List.of("a", "b"), granted);
    assertNull(admission.tryAcquire());
    permits.forEach(p -> p.release(false));
    assertEquals(0, admission.snapshot().inFlight());
    assertNotNull(admission.tryAcquire(), "free again");
  }

  @Test
  void aCancelledTicketIsNeverGrantedAndGivesItsPlaceToTheNext() {
    Admission admission = new Admission(FixedLimit.of(1), 10, nanos::get);
    Admission.Permit running = admission.tryAcquire();
    List<String> granted = new ArrayList<>();
    Admission.Ticket gone = admission.enqueue(p -> granted.add("gone"));
    admission.enqueue(p -> granted.add("next"));
    assertTrue(gone.cancel());
    assertFalse(gone.cancel(), "cancelled once");
    assertEquals(1, admission.snapshot().waiting());
    running.release(false);
    assertEquals(List.of("next"), granted);
  }

  @Test
  void aGrantedTicketCannotBeCancelled() {
    Admission admission = new Admission(FixedLimit.of(1), 10, nanos::get);
    Admission.Permit running = admission.tryAcquire();
    Admission.Ticket ticket = admission.enqueue(p -> {});
    running.release(false);
    assertFalse(
        ticket.cancel(), "already granted: the request runs, and releases the permit itself");
  }

  @Test
  void aGrantWhoseRequestIsGoneReturnsThePermit() {
    Admission admission = new Admission(FixedLimit.of(1), 10, nanos::get);
    Admission.Permit running = admission.tryAcquire();
    admission.enqueue(
        p -> {
          throw new IllegalStateException("response already completed");
        });
    running.release(false);
    assertEquals(0, admission.snapshot().inFlight());
  }

  @Test
  void raisingTheLimitLiveGrantsWaiters() {
    Admission admission = new Admission(FixedLimit.of(1), 10, nanos::get);
    admission.tryAcquire();
    List<Admission.Permit> granted = new ArrayList<>();
    admission.enqueue(granted::add);
    admission.enqueue(granted::add);
    admission.configure(FixedLimit.of(3), 10);
    assertEquals(2, granted.size());
    assertEquals(3, admission.snapshot().limit());
  }

  @Test
  void nobodyOvertakesTheQueue() {
    Admission admission = new Admission(FixedLimit.of(1), 10, nanos::get);
    Admission.Permit running = admission.tryAcquire();
    List<Admission.Permit> granted = new ArrayList<>();
    admission.enqueue(granted::add);
    running.release(false);
    assertEquals(1, granted.size());
    assertNull(admission.tryAcquire(), "the waiter got the permit, not a newcomer");
  }

  @Test
  void adaptiveLimitFallsWhenLatencyRisesAndRecoversWhenItFalls() {
    Admission admission =
        new Admission(BackpressureFilter.limit(adaptive(20, 2, 200)), 1000, nanos::get);
    runRounds(admission, 12_000, 10); // two minutes of 10 ms requests
    int settledFast = admission.snapshot().limit();
    assertTrue(
        settledFast >= 20, "fast requests at full concurrency raise the limit: " + settledFast);

    runRounds(admission, 75, 400); // then 30 s at 400 ms
    int slow = admission.snapshot().limit();
    assertTrue(
        slow < settledFast / 2, "latency x40 must cut the limit: " + settledFast + " -> " + slow);

    runRounds(admission, 6_000, 10); // then a minute back at 10 ms
    int recovered = admission.snapshot().limit();
    assertTrue(
        recovered > slow * 2, "latency back to normal must raise it: " + slow + " -> " + recovered);
  }

  private static BackpressureConfig adaptive(int initial, int min, int max) {
    return new BackpressureConfig() {
      public Class<? extends java.lang.annotation.Annotation> annotationType() {
        return BackpressureConfig.class;
      }

      public String mode() {
        return "adaptive";
      }

      public int permits() {
        return 0;
      }

      public long max_wait_ms() {
        return 0;
      }

      public int max_queue() {
        return 0;
      }

      public int adaptive_initial_limit() {
        return initial;
      }

      public int adaptive_min_limit() {
        return min;
      }

      public int adaptive_max_limit() {
        return max;
      }

      public String[] include() {
        return new String[0];
      }

      public String[] exclude() {
        return new String[0];
      }

      public int retry_after_s() {
        return 1;
      }
    };
  }

  /** Fills every permit, then releases them all after {@code latencyMs}, {@code rounds} times. */
  private void runRounds(Admission admission, int rounds, long latencyMs) {
    for (int round = 0; round < rounds; round++) {
      List<Admission.Permit> held = new ArrayList<>();
      for (Admission.Permit p; (p = admission.tryAcquire()) != null; ) held.add(p);
      nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(latencyMs));
      held.forEach(p -> p.release(false));
    }
  }
}
