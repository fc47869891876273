package io.sensorgw.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.testing.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class ReconnectLoopTest {
  private static final long BOUND_S = 120;

  /** What the loop logs, as "LEVEL message". */
  private static final class RecordingLogger extends LegacyAbstractLogger {
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
      lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, arguments));
    }

    List<String> at(Level level) {
      synchronized (lines) {
        return lines.stream().filter(l -> l.startsWith(level + " ")).toList();
      }
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return true;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }
  }

  /** A session doing what it is told: fail to open, fail after opening, or run until closed. */
  private static final class Scripted implements ReconnectLoop.Session {
    enum Step {
      OPEN_FAILS,
      RUN_FAILS,
      RUN_ENDS,
      RUNS
    }

    private final Step step;
    private final ReconnectLoop loop;
    private final CountDownLatch closed = new CountDownLatch(1);
    final AtomicInteger closes = new AtomicInteger();

    Scripted(Step step, ReconnectLoop loop) {
      this.step = step;
      this.loop = loop;
    }

    @Override
    public void open() throws IOException {
      if (step == Step.OPEN_FAILS) throw new IOException("refused");
    }

    @Override
    public void run() throws Exception {
      switch (step) {
        case RUN_FAILS -> throw new IOException("reset by peer");
        case RUN_ENDS -> {}
        default -> closed.await(); // like a blocked read: only closing the session ends it
      }
    }

    @Override
    public void close() {
      closes.incrementAndGet();
      closed.countDown();
    }
  }

  private record Failure(String reason, Duration retryIn) {}

  private final RecordingLogger log = new RecordingLogger();
  private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
  private final List<Scripted> sessions = Collections.synchronizedList(new ArrayList<>());

  private ReconnectLoop loop(Duration min, Duration max) {
    return ReconnectLoop.builder("test link")
        .logger(log)
        .backoff(new Backoff(min, max, 0, () -> 0))
        .onFailure((e, retryIn) -> failures.add(new Failure(e.getMessage(), retryIn)))
        .build();
  }

  /** Sessions following the script, then ones that run until closed. */
  private Supplier<ReconnectLoop.Session> script(ReconnectLoop loop, Scripted.Step... steps) {
    Queue<Scripted.Step> left = new ArrayDeque<>(List.of(steps));
    return () -> {
      Scripted.Step step = left.isEmpty() ? Scripted.Step.RUNS : left.poll();
      Scripted session = new Scripted(step, loop);
      sessions.add(session);
      return session;
    };
  }

  private static CompletableFuture<Void> start(
      ReconnectLoop loop, Supplier<ReconnectLoop.Session> s) {
    return CompletableFuture.runAsync(() -> loop.run(s), runnable -> new Thread(runnable).start());
  }

  private List<Long> delaysMs() {
    synchronized (failures) {
      return failures.stream().map(f -> f.retryIn().toMillis()).toList();
    }
  }

  @Test
  void backsOffDoublingResetsAfterASessionThatWasUpAndCountsReconnects() throws Exception {
    ReconnectLoop loop = loop(Duration.ofMillis(1), Duration.ofMillis(4));
    CompletableFuture<Void> running =
        start(
            loop,
            script(
                loop,
                Scripted.Step.OPEN_FAILS,
                Scripted.Step.OPEN_FAILS,
                Scripted.Step.OPEN_FAILS,
                Scripted.Step.OPEN_FAILS,
                Scripted.Step.RUN_FAILS, // was up: the next pause starts from min again
                Scripted.Step.OPEN_FAILS,
                Scripted.Step.RUN_ENDS));
    Await.until(sessions::size, n -> n == 8, "the eighth session, which runs");
    assertEquals(List.of(1L, 2L, 4L, 4L, 1L, 2L, 1L), delaysMs());
    assertEquals(7, loop.reconnects());
    assertEquals("refused", failures.get(0).reason());
    assertEquals("reset by peer", failures.get(4).reason());
    assertEquals("connection ended", failures.get(6).reason(), "a session that returns ended");
    loop.close();
    running.get(BOUND_S, TimeUnit.SECONDS);
    synchronized (sessions) {
      for (Scripted session : sessions) assertTrue(session.closes.get() >= 1, "every one closed");
    }
    assertEquals(7, loop.reconnects(), "closing is not a reconnect");
  }

  @Test
  void reportsTheFirstFailureOfAnOutageOnceAndTheRecoveryOnce() throws Exception {
    ReconnectLoop loop = loop(Duration.ofMillis(1), Duration.ofMillis(2));
    CompletableFuture<Void> running =
        start(
            loop,
            script(
                loop,
                Scripted.Step.OPEN_FAILS,
                Scripted.Step.OPEN_FAILS,
                Scripted.Step.OPEN_FAILS,
                Scripted.Step.RUN_FAILS, // up, then down again: a second outage
                Scripted.Step.OPEN_FAILS));
    Await.until(sessions::size, n -> n == 6, "the sixth session, which runs");
    Await.until(() -> log.at(Level.INFO).size(), n -> n == 2, "the second recovery");
    assertEquals(
        List.of(
            "WARN test link: refused; retrying with backoff",
            "WARN test link: reset by peer; retrying with backoff"),
        log.at(Level.WARN));
    assertTrue(
        log.at(Level.INFO).get(0).startsWith("INFO test link: back after 3 failed attempts in "),
        log.at(Level.INFO).toString());
    assertTrue(
        log.at(Level.INFO).get(1).startsWith("INFO test link: back after 2 failed attempts in "),
        log.at(Level.INFO).toString());
    assertEquals(3, log.at(Level.DEBUG).size(), "the other failures at debug");
    assertFalse(loop.isDown());
    loop.close();
    running.get(BOUND_S, TimeUnit.SECONDS);
  }

  @Test
  void closeEndsAPauseAtOnce() throws Exception {
    ReconnectLoop loop = loop(Duration.ofHours(1), Duration.ofHours(1));
    CompletableFuture<Void> running = start(loop, script(loop, Scripted.Step.OPEN_FAILS));
    Await.until(failures::size, n -> n == 1, "the first failure, then an hour's pause");
    assertTrue(loop.isDown());
    long start = System.nanoTime();
    loop.close();
    running.get(BOUND_S, TimeUnit.SECONDS);
    // Generous for a busy machine, yet far below the hour the pause would otherwise last.
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(BOUND_S));
    assertEquals(1, sessions.size(), "no attempt after close");
    assertFalse(loop.pause(Duration.ofHours(1)), "a closed loop does not pause");
  }

  @Test
  void closeEndsARunningSessionByClosingIt() throws Exception {
    ReconnectLoop loop = loop(Duration.ofMillis(1), Duration.ofMillis(1));
    CompletableFuture<Void> running = start(loop, script(loop));
    Await.until(sessions::size, n -> n == 1, "a running session");
    loop.close();
    running.get(BOUND_S, TimeUnit.SECONDS);
    assertEquals(0, loop.reconnects());
    assertTrue(loop.isClosed());
    assertTrue(failures.isEmpty(), "closing is no failure");
  }

  @Test
  void anInterruptEndsTheLoopDuringAPause() throws Exception {
    ReconnectLoop loop = loop(Duration.ofHours(1), Duration.ofHours(1));
    CompletableFuture<Boolean> interruptedAfter = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              loop.run(script(loop, Scripted.Step.OPEN_FAILS));
              interruptedAfter.complete(Thread.currentThread().isInterrupted());
            });
    thread.start();
    Await.until(failures::size, n -> n == 1, "the first failure, then an hour's pause");
    thread.interrupt();
    assertTrue(interruptedAfter.get(BOUND_S, TimeUnit.SECONDS), "the interrupt stays set");
    assertEquals(1, sessions.size());
    assertFalse(loop.isClosed(), "an interrupt ends this run only");
  }

  @Test
  void withUpOnFirstDataASessionThatHearsNothingDoesNotResetTheBackoff() throws Exception {
    AtomicInteger attempt = new AtomicInteger();
    ReconnectLoop loop =
        ReconnectLoop.builder("camera")
            .logger(log)
            .backoff(new Backoff(Duration.ofMillis(1), Duration.ofMillis(8), 0, () -> 0))
            .upOnFirstData()
            .onFailure((e, retryIn) -> failures.add(new Failure(e.getMessage(), retryIn)))
            .build();
    ReconnectLoop.Session[] holder = new ReconnectLoop.Session[1];
    Supplier<ReconnectLoop.Session> sessions =
        () ->
            new ReconnectLoop.Session() {
              final int n = attempt.incrementAndGet();

              @Override
              public void open() {}

              @Override
              public void run() throws IOException {
                if (n == 3) loop.heard(); // the third one delivers data, then dies too
                if (n <= 4) throw new IOException("exited with 1");
                loop.pause(Duration.ofHours(1)); // the fifth runs until closed
              }

              @Override
              public void close() {}
            };
    CompletableFuture<Void> running = start(loop, sessions);
    Await.until(attempt::get, n -> n == 5, "the fifth session");
    assertEquals(List.of(1L, 2L, 1L, 2L), delaysMs(), "reset only after the one that heard data");
    assertEquals(1, log.at(Level.INFO).size(), "back once: when data came");
    assertEquals(2, log.at(Level.WARN).size(), "two outages");
    loop.close();
    running.get(BOUND_S, TimeUnit.SECONDS);
  }

  @Test
  void theWatchdogFailsASilentSession() throws Exception {
    ReconnectLoop loop = loop(Duration.ofHours(1), Duration.ofHours(1));
    loop.heard();
    loop.checkHeardWithin(Duration.ofHours(1), () -> "frame");
    IOException silent =
        assertThrows(
            IOException.class, () -> loop.checkHeardWithin(Duration.ZERO, () -> "frame from x"));
    assertEquals("no frame from x for 0 ms", silent.getMessage());
    CompletableFuture<Void> running =
        start(
            loop,
            () ->
                new ReconnectLoop.Session() {
                  @Override
                  public void open() {}

                  @Override
                  public void run() throws IOException {
                    while (true) loop.checkHeardWithin(Duration.ofMillis(20), () -> "frame");
                  }

                  @Override
                  public void close() {}
                });
    Await.until(failures::size, n -> n == 1, "the silence noticed");
    assertEquals("no frame for 20 ms", failures.get(0).reason());
    loop.close();
    running.get(BOUND_S, TimeUnit.SECONDS);
  }

  @Test
  void aLoopClosedBeforeItRunsOpensNothing() {
    ReconnectLoop loop = loop(Duration.ofMillis(1), Duration.ofMillis(1));
    loop.close();
    loop.run(script(loop));
    assertTrue(sessions.isEmpty());
  }
}
