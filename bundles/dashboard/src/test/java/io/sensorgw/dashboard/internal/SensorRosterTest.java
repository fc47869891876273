package io.sensorgw.dashboard.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SensorRosterTest {
  private final SensorRoster<Object> roster = new SensorRoster<>(() -> 42L);

  @Test
  void aSensorThatWentAndCameBackBetweenTwoQuestionsIsSeenAsSuch() {
    Object first = new Object();
    roster.added("tfluna-1", first);
    long before = roster.since(-1).generation();
    Object second = new Object();
    roster.removed("tfluna-1", first);
    roster.added("tfluna-1", second);
    SensorRoster.Snapshot<Object> now = roster.since(before);
    assertEquals(List.of(second), now.sensors(), "the new instance is registered");
    assertEquals(
        List.of("removed", "added"),
        now.changes().stream().map(SensorRoster.Change::kind).toList());
    assertEquals(before + 2, now.generation());
    assertEquals(42L, now.changes().get(0).atMillis());
  }

  @Test
  void anOldInstanceGoingAfterItsSuccessorCameIsNoChange() {
    Object old = new Object();
    Object successor = new Object();
    roster.added("imx477-1", old);
    roster.added("imx477-1", successor); // DS may bind the new one before unbinding the old
    long generation = roster.since(-1).generation();
    roster.removed("imx477-1", old);
    assertEquals(generation, roster.since(-1).generation());
    assertEquals(List.of(successor), roster.since(-1).sensors());
  }

  @Test
  void waitersAreCalledOnceAtTheNextChangeAndOnlyWhenUpToDate() {
    AtomicInteger called = new AtomicInteger();
    long generation = roster.since(-1).generation();
    assertFalse(
        roster.await(generation - 1, called::incrementAndGet, 10), "behind: answered at once");
    assertTrue(roster.await(generation, called::incrementAndGet, 10));
    assertFalse(roster.await(generation, called::incrementAndGet, 1), "bounded");
    roster.added("a", new Object());
    assertEquals(1, called.get());
    roster.added("b", new Object());
    assertEquals(1, called.get(), "once");
    assertEquals(0, roster.waiting());
    SensorRoster.Waiter forgotten = called::incrementAndGet;
    assertTrue(roster.await(roster.since(-1).generation(), forgotten, 10));
    roster.forget(forgotten);
    roster.releaseAll();
    assertEquals(1, called.get(), "a forgotten waiter is not called");
  }

  @Test
  void onlyTheLastChangesAreKept() {
    for (int i = 0; i < SensorRoster.KEPT_CHANGES + 50; i++) roster.added("s" + i, new Object());
    assertEquals(SensorRoster.KEPT_CHANGES, roster.since(-1).changes().size());
  }
}
