package io.sensorgw.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.ExecutorStats;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ManagedExecutorTest {

  @Test
  void runsOnNamedThreadsAndCountsCompletions() throws Exception {
    try (ManagedExecutor executor = new ManagedExecutor("unit", 2, 4)) {
      String threadName = executor.submit(() -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
      assertTrue(threadName.startsWith("sensorgw-unit-"), threadName);
      CompletableFuture<Object> failing = executor.submit(() -> { throw new IllegalStateException("boom"); });
      ExecutionException error = org.junit.jupiter.api.Assertions.assertThrows(
          ExecutionException.class, () -> failing.get(5, TimeUnit.SECONDS));
      assertInstanceOf(IllegalStateException.class, error.getCause());
      ExecutorStats stats = Waits.until(executor::stats, s -> s.completed() == 2, "two completions");
      assertEquals(1, stats.failed());
      assertEquals(0, stats.rejected());
      assertTrue(stats.maxLatencyMillis() >= stats.meanLatencyMillis());
    }
  }

  @Test
  void fullQueueFailsTheStageInsteadOfBlocking() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (ManagedExecutor executor = new ManagedExecutor("full", 1, 2)) {
      CompletableFuture<Boolean> running = executor.submit(() -> release.await(10, TimeUnit.SECONDS));
      Waits.until(executor::stats, s -> s.active() == 1, "one active task");
      CompletableFuture<Boolean> queued1 = executor.submit(() -> true);
      CompletableFuture<Boolean> queued2 = executor.submit(() -> true);
      CompletableFuture<Boolean> rejected = executor.submit(() -> true);

      assertTrue(rejected.isCompletedExceptionally(), "rejected at once");
      ExecutionException error = org.junit.jupiter.api.Assertions.assertThrows(
          ExecutionException.class, rejected::get);
      assertInstanceOf(RejectedExecutionException.class, error.getCause());
      ExecutorStats stats = executor.stats();
      assertEquals(1, stats.rejected());
      assertEquals(2, stats.queued());
      assertEquals(1, stats.active());

      release.countDown();
      assertTrue(running.get(5, TimeUnit.SECONDS));
      assertTrue(queued1.get(5, TimeUnit.SECONDS));
      assertTrue(queued2.get(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void closeInterruptsStuckTasksWithinTheBoundAndLeavesNoThread() throws Exception {
    ManagedExecutor executor = new ManagedExecutor("stuck", 2, 4);
    AtomicReference<Thread> worker = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Object> stuck = executor.submit(() -> {
      worker.set(Thread.currentThread());
      started.countDown();
      new CountDownLatch(1).await(); // only an interrupt ends this
      return null;
    });
    assertTrue(started.await(5, TimeUnit.SECONDS));

    assertTrue(executor.close(Duration.ofMillis(200)), "terminated after interrupt");
    worker.get().join(5_000); // termination is reported just before the thread itself ends
    assertFalse(worker.get().isAlive());
    assertTrue(stuck.isCompletedExceptionally());
    assertTrue(executor.submit(() -> 1).isCompletedExceptionally(), "closed executor rejects");
    Waits.until(() -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().startsWith("sensorgw-stuck-")), none -> none,
        "no thread named sensorgw-stuck-* left");
  }

  @Test
  void externalTimeoutInterruptsTheRunningTask() throws Exception {
    try (ManagedExecutor executor = new ManagedExecutor("timeout", 1, 1)) {
      CountDownLatch interrupted = new CountDownLatch(1);
      CompletableFuture<Object> task = executor.submit(() -> {
        try {
          new CountDownLatch(1).await();
        } catch (InterruptedException e) {
          interrupted.countDown();
        }
        return null;
      });
      task.orTimeout(50, TimeUnit.MILLISECONDS);
      assertTrue(interrupted.await(5, TimeUnit.SECONDS), "worker interrupted after the timeout");
      // The single thread is free again.
      assertEquals(7, executor.submit(() -> 7).get(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void scheduleSubmitsRepeatedlyUntilClosed() throws Exception {
    ManagedExecutor executor = new ManagedExecutor("sched", 1, 4);
    CountDownLatch ticks = new CountDownLatch(3);
    executor.scheduleAtFixedRate(() -> { ticks.countDown(); return null; }, Duration.ZERO, Duration.ofMillis(5));
    assertTrue(ticks.await(5, TimeUnit.SECONDS));
    assertTrue(executor.close(Duration.ofSeconds(2)));
    Waits.until(() -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().startsWith("sensorgw-sched-")), none -> none,
        "no worker or timer thread left");
  }
}
