package io.sensorgw.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.ExecutorStats;
import io.sensorgw.testing.Await;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ManagedExecutorTest {
  /** Bound of every wait: generous for a busy machine; the normal case returns at once. */
  private static final long BOUND_S = 120;

  @Test
  void runsOnNamedThreadsAndCountsCompletions() throws Exception {
    try (ManagedExecutor executor = new ManagedExecutor("unit", 2, 4)) {
      String threadName =
          executor.submit(() -> Thread.currentThread().getName()).get(BOUND_S, TimeUnit.SECONDS);
      assertTrue(threadName.startsWith("sensorgw-unit-"), threadName);
      CompletableFuture<Object> failing =
          executor.submit(
              () -> {
                throw new IllegalStateException("boom");
              });
      ExecutionException error =
          org.junit.jupiter.api.Assertions.assertThrows(
              ExecutionException.class, () -> failing.get(BOUND_S, TimeUnit.SECONDS));
      assertInstanceOf(IllegalStateException.class, error.getCause());
      ExecutorStats stats =
          Await.until(executor::stats, s -> s.completed() == 2, "two completions");
      assertEquals(1, stats.failed());
      assertEquals(0, stats.rejected());
      assertTrue(stats.maxLatencyMillis() >= stats.meanLatencyMillis());
    }
  }

  @Test
  void fullQueueFailsTheStageInsteadOfBlocking() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (ManagedExecutor executor = new ManagedExecutor("full", 1, 2)) {
      CompletableFuture<Boolean> running =
          executor.submit(() -> release.await(BOUND_S, TimeUnit.SECONDS));
      Await.until(executor::stats, s -> s.active() == 1, "one active task");
      CompletableFuture<Boolean> queued1 = executor.submit(() -> true);
      CompletableFuture<Boolean> queued2 = executor.submit(() -> true);
      CompletableFuture<Boolean> rejected = executor.submit(() -> true);

      assertTrue(rejected.isCompletedExceptionally(), "rejected at once");
      ExecutionException error =
          org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, rejected::get);
      assertInstanceOf(RejectedExecutionException.class, error.getCause());
      ExecutorStats stats = executor.stats();
      assertEquals(1, stats.rejected());
      assertEquals(2, stats.queued());
      assertEquals(1, stats.active());

      release.countDown();
      assertTrue(running.get(BOUND_S, TimeUnit.SECONDS));
      assertTrue(queued1.get(BOUND_S, TimeUnit.SECONDS));
      assertTrue(queued2.get(BOUND_S, TimeUnit.SECONDS));
    }
  }

  @Test
  void closeInterruptsStuckTasksWithinTheBoundAndLeavesNoThread() throws Exception {
    ManagedExecutor executor = new ManagedExecutor("stuck", 2, 4);
    AtomicReference<Thread> worker = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<Object> stuck =
        executor.submit(
            () -> {
              worker.set(Thread.currentThread());
              started.countDown();
              new CountDownLatch(1).await(); // only an interrupt ends this
              return null;
            });
    assertTrue(started.await(BOUND_S, TimeUnit.SECONDS));

    // The short grace period makes close() interrupt the stuck task; whether the interrupted thread
    // also ends within it depends on the scheduler, so its end is awaited, not timed. Only an
    // interrupt ends the task: without one this wait fails.
    executor.close(Duration.ofMillis(200));
    Await.until(() -> worker.get().isAlive(), alive -> !alive, "the interrupted worker ended");
    assertTrue(executor.close(Duration.ofSeconds(BOUND_S)), "every thread ended");
    assertTrue(stuck.isCompletedExceptionally());
    assertTrue(executor.submit(() -> 1).isCompletedExceptionally(), "closed executor rejects");
    Await.until(
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("sensorgw-stuck-")),
        none -> none,
        "no thread named sensorgw-stuck-* left");
  }

  @Test
  void externalTimeoutInterruptsTheRunningTask() throws Exception {
    try (ManagedExecutor executor = new ManagedExecutor("timeout", 1, 1)) {
      CountDownLatch interrupted = new CountDownLatch(1);
      CompletableFuture<Object> task =
          executor.submit(
              () -> {
                try {
                  new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                  interrupted.countDown();
                }
                return null;
              });
      task.orTimeout(50, TimeUnit.MILLISECONDS);
      assertTrue(
          interrupted.await(BOUND_S, TimeUnit.SECONDS), "worker interrupted after the timeout");
      // The single thread is free again.
      assertEquals(7, executor.submit(() -> 7).get(BOUND_S, TimeUnit.SECONDS));
    }
  }

  @Test
  void scheduleSubmitsRepeatedlyUntilClosed() throws Exception {
    ManagedExecutor executor = new ManagedExecutor("sched", 1, 4);
    CountDownLatch ticks = new CountDownLatch(3);
    executor.scheduleAtFixedRate(
        () -> {
          ticks.countDown();
          return null;
        },
        Duration.ZERO,
        Duration.ofMillis(5));
    assertTrue(ticks.await(BOUND_S, TimeUnit.SECONDS));
    assertTrue(executor.close(Duration.ofSeconds(BOUND_S))); // returns as soon as the threads ended
    Await.until(
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("sensorgw-sched-")),
        none -> none,
        "no worker or timer thread left");
  }
}
