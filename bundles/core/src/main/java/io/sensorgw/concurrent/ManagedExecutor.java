package io.sensorgw.concurrent;

import io.sensorgw.api.ExecutorStats;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A device's own thread pool: named threads ({@code sensorgw-<name>-<n>}), a bounded queue, and a
 * rejection that fails the returned stage instead of blocking or running on the caller's thread.
 * The owner closes it when it deactivates; {@link #close(Duration)} waits a bounded time.
 */
public final class ManagedExecutor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ManagedExecutor.class);

  private final String name;
  private final int threads;
  private final int queueCapacity;
  private final ThreadPoolExecutor pool;
  private final Object schedulerLock = new Object();
  private ScheduledThreadPoolExecutor scheduler;
  private final AtomicInteger active = new AtomicInteger();
  private final LongAdder completed = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder latencyNanosTotal = new LongAdder();
  private final AtomicLong latencyNanosMax = new AtomicLong();

  public ManagedExecutor(String name, int threads, int queueCapacity) {
    if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, was " + threads);
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be >= 1, was " + queueCapacity);
    }
    this.name = name;
    this.threads = threads;
    this.queueCapacity = queueCapacity;
    this.pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(queueCapacity),
            threadFactory("sensorgw-" + name + "-"),
            new ThreadPoolExecutor.AbortPolicy());
    // Idle devices hold no threads.
    pool.allowCoreThreadTimeOut(true);
  }

  public String name() {
    return name;
  }

  /**
   * Runs {@code task} on this executor. The returned stage completes with its result, fails with
   * {@link RejectedExecutionException} at once when the queue is full or the executor is closed,
   * and interrupts the task when the stage is completed first from outside (cancel, timeout).
   */
  public <T> CompletableFuture<T> submit(Callable<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    long submittedAt = System.nanoTime();
    Runnable work =
        () -> {
          if (result.isDone()) return; // timed out or cancelled while queued
          active.incrementAndGet();
          try {
            result.complete(task.call());
          } catch (Throwable e) {
            failed.increment();
            result.completeExceptionally(e);
          } finally {
            active.decrementAndGet();
            long latency = System.nanoTime() - submittedAt;
            latencyNanosTotal.add(latency);
            latencyNanosMax.accumulateAndGet(latency, Math::max);
            completed.increment(); // last: whoever sees it counted sees its latency too
          }
        };
    Future<?> future;
    try {
      future = pool.submit(work);
    } catch (RejectedExecutionException e) {
      rejected.increment();
      result.completeExceptionally(
          new RejectedExecutionException(
              "executor "
                  + name
                  + " is "
                  + (pool.isShutdown() ? "closed" : "saturated")
                  + " ("
                  + pool.getQueue().size()
                  + "/"
                  + queueCapacity
                  + " queued)"));
      return result;
    }
    result.whenComplete(
        (value, error) -> {
          if (error != null && !future.isDone()) future.cancel(true);
        });
    return result;
  }

  /**
   * Submits {@code task} every {@code period}, starting after {@code initialDelay}. The schedule's
   * own thread only submits, so the rate holds whatever the task takes; the work runs on this
   * executor, and a submission that finds the queue full is rejected and counted like any other.
   */
  public ScheduledFuture<?> scheduleAtFixedRate(
      Callable<?> task, Duration initialDelay, Duration period) {
    return timer()
        .scheduleAtFixedRate(
            () -> submit(task), initialDelay.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Submits {@code task} once, after {@code delay} (a retry with backoff). As with {@link
   * #scheduleAtFixedRate}, only the submission happens on the schedule's thread.
   *
   * @throws RejectedExecutionException when the executor is closed
   */
  public ScheduledFuture<?> schedule(Callable<?> task, Duration delay) {
    return timer().schedule(() -> submit(task), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  private ScheduledExecutorService timer() {
    synchronized (schedulerLock) {
      if (pool.isShutdown())
        throw new RejectedExecutionException("executor " + name + " is closed");
      if (scheduler == null) {
        scheduler =
            new ScheduledThreadPoolExecutor(1, threadFactory("sensorgw-" + name + "-timer-"));
        scheduler.setRemoveOnCancelPolicy(true);
      }
      return scheduler;
    }
  }

  public ExecutorStats stats() {
    long done = completed.sum();
    return new ExecutorStats(
        name,
        threads,
        active.get(),
        pool.getQueue().size(),
        queueCapacity,
        done,
        failed.sum(),
        rejected.sum(),
        done == 0 ? 0 : latencyNanosTotal.sum() / (double) done / 1e6,
        latencyNanosMax.get() / 1e6);
  }

  /**
   * Stops accepting work, lets running tasks finish for up to {@code wait}, then interrupts them
   * and waits once more as long. Returns whether every thread has ended.
   */
  public boolean close(Duration wait) {
    // The pool first: timer() refuses under the lock once it is shut down, so no task can make a
    // new schedule after the one below is shut down (in the other order one could, and close
    // would then wait its whole bound for a schedule nobody stops).
    pool.shutdown();
    synchronized (schedulerLock) {
      if (scheduler != null) scheduler.shutdownNow();
    }
    try {
      if (pool.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS)) return awaitScheduler(wait);
      pool.shutdownNow();
      return pool.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS) && awaitScheduler(wait);
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private boolean awaitScheduler(Duration wait) throws InterruptedException {
    ScheduledThreadPoolExecutor stopped;
    synchronized (schedulerLock) {
      stopped = scheduler;
    }
    return stopped == null || stopped.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Closes with a 5 second bound. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  public boolean isClosed() {
    return pool.isShutdown();
  }

  private static ThreadFactory threadFactory(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + counter.incrementAndGet());
      // A task that ignores interrupts must not keep the JVM alive after the framework stopped.
      thread.setDaemon(true);
      // Tasks fail their stage; anything that still escapes is logged through the gateway's log,
      // not printed on stdout, and the pool replaces the thread.
      thread.setUncaughtExceptionHandler(
          (t, e) ->
              LOG.error("Unexpected failure on {}; the pool replaces the thread", t.getName(), e));
      return thread;
    };
  }
}
