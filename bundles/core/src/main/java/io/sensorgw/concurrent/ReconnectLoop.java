package io.sensorgw.concurrent;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a connection (a port, a process, a device, a broker) open: {@link #run} opens a session,
 * runs it until it fails, closes it, pauses with {@link Backoff} and opens the next one, until
 * {@link #close()} or an interrupt. The pause ends at once on close. While down, the first failure
 * is logged once (WARN, with the reason) and the rest at DEBUG; coming back is logged once (INFO).
 * A session that was up resets the backoff, so a connection that worked for a while is retried
 * soon.
 *
 * <p>A session is up once it opened, or with {@link Builder#upOnFirstData()} once it called {@link
 * #heard()} (for a connection that opens fine and then delivers nothing). {@link #checkHeardWithin}
 * is a silence watchdog for sessions that read with a timeout.
 *
 * <p>One thread runs the loop; {@link #close()}, {@link #heard()} and the getters are for any
 * thread.
 */
public final class ReconnectLoop implements AutoCloseable {
  /** One connection's life. A fresh one per attempt, or the same one reopened. */
  public interface Session {
    /** Connects; a throw is a failed attempt. */
    void open() throws Exception;

    /**
     * Runs until the connection fails, throwing why. Returning while the loop is open counts as a
     * failure too ("ended"), so throw with the reason instead when there is one.
     */
    void run() throws Exception;

    /**
     * Releases what {@link #open()} acquired, even half-way. Must be idempotent and safe from
     * another thread while {@link #run()} blocks: {@link ReconnectLoop#close()} calls it to end a
     * blocked read.
     */
    void close();
  }

  private final String name;
  private final Logger log;
  private final Backoff backoff;
  private final boolean upOnFirstData;
  private final BiConsumer<Exception, Duration> onFailure;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition closing = lock.newCondition();
  private final AtomicLong reconnects = new AtomicLong();
  private final AtomicBoolean up = new AtomicBoolean();
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicLong failuresWhileDown = new AtomicLong();
  private volatile long downSinceNanos;
  private volatile long lastHeardNanos = System.nanoTime();
  private volatile Session current;
  private volatile boolean closed;

  private ReconnectLoop(Builder builder) {
    this.name = builder.name;
    this.log = builder.log;
    this.backoff = builder.backoff;
    this.upOnFirstData = builder.upOnFirstData;
    this.onFailure = builder.onFailure;
  }

  /** {@code name} starts every log line, e.g. "TF-Luna lidar-1". */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public static final class Builder {
    private final String name;
    private Logger log = LoggerFactory.getLogger(ReconnectLoop.class);
    private Backoff backoff = Backoff.defaults();
    private boolean upOnFirstData;
    private BiConsumer<Exception, Duration> onFailure = (failure, retryIn) -> {};

    private Builder(String name) {
      this.name = Objects.requireNonNull(name);
    }

    /** The user's logger, so the lines keep its category. */
    public Builder logger(Logger log) {
      this.log = Objects.requireNonNull(log);
      return this;
    }

    public Builder backoff(Backoff backoff) {
      this.backoff = Objects.requireNonNull(backoff);
      return this;
    }

    public Builder backoff(Duration min, Duration max, double jitter) {
      return backoff(new Backoff(min, max, jitter));
    }

    /** A session is up (resets the backoff, ends the outage) only once it {@link #heard()} data. */
    public Builder upOnFirstData() {
      this.upOnFirstData = true;
      return this;
    }

    /**
     * Called on the loop's thread after every failure, with the pause before the next attempt: e.g.
     * to put a sensor in error with the reason.
     */
    public Builder onFailure(BiConsumer<Exception, Duration> onFailure) {
      this.onFailure = Objects.requireNonNull(onFailure);
      return this;
    }

    public ReconnectLoop build() {
      return new ReconnectLoop(this);
    }
  }

  /**
   * Opens, runs and closes sessions from {@code sessions} until {@link #close()} or an interrupt
   * (the interrupt stays set). An Error ends the loop.
   */
  public void run(Supplier<? extends Session> sessions) {
    while (!closed && !Thread.currentThread().isInterrupted()) {
      up.set(false);
      Exception failure = attempt(sessions);
      if (failure == null || closed || Thread.currentThread().isInterrupted()) return;
      if (up.get()) backoff.reset();
      Duration delay = backoff.next();
      reconnects.incrementAndGet();
      failuresWhileDown.incrementAndGet();
      if (down.compareAndSet(false, true)) {
        downSinceNanos = System.nanoTime();
        log.warn("{}: {}; retrying with backoff", name, reason(failure));
      } else {
        log.debug("{}: {}; retrying in {} ms", name, reason(failure), delay.toMillis());
      }
      onFailure.accept(failure, delay);
      if (!pause(delay)) return;
    }
  }

  /** One session's life; its failure, or null when the loop was closed or interrupted. */
  private Exception attempt(Supplier<? extends Session> sessions) {
    Session session = null;
    try {
      session = sessions.get();
      session.open();
      current = session;
      if (closed) return null; // close() may have missed it: it is closed below
      lastHeardNanos = System.nanoTime();
      if (!upOnFirstData) markUp();
      session.run();
      return closed ? null : new IOException("connection ended");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      return closed ? null : e;
    } finally {
      current = null;
      if (session != null) session.close();
    }
  }

  private static String reason(Exception failure) {
    return failure.getMessage() != null ? failure.getMessage() : failure.toString();
  }

  private void markUp() {
    if (!up.compareAndSet(false, true)) return;
    if (down.compareAndSet(true, false)) {
      long failed = failuresWhileDown.getAndSet(0);
      log.info(
          "{}: back after {} failed attempt{} in {} ms",
          name,
          failed,
          failed == 1 ? "" : "s",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - downSinceNanos));
    }
  }

  /** The session received data: feeds the silence watchdog; with upOnFirstData, it is up. */
  public void heard() {
    lastHeardNanos = System.nanoTime();
    if (upOnFirstData && !up.get()) markUp();
  }

  /**
   * The silence watchdog, for a session that reads with a timeout: throws when nothing was {@link
   * #heard()} for longer than {@code limit} since the last data or the session's start.
   *
   * @param what what was not heard, for the message: "no {what} for {limit} ms"
   */
  public void checkHeardWithin(Duration limit, Supplier<String> what) throws IOException {
    if (System.nanoTime() - lastHeardNanos > limit.toNanos()) {
      throw new IOException("no " + what.get() + " for " + limit.toMillis() + " ms");
    }
  }

  /**
   * Waits {@code duration} unless closed or interrupted first; false when the caller must stop. For
   * sessions that poll, too.
   */
  public boolean pause(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    lock.lock();
    try {
      while (!closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return true;
        closing.awaitNanos(left);
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Failed or ended sessions that were followed by another attempt. */
  public long reconnects() {
    return reconnects.get();
  }

  /** True from the first failure until a session is up again. */
  public boolean isDown() {
    return down.get();
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Ends the loop: the pause at once, a running session by closing it. Does not wait for the loop's
   * thread; its owner joins or detaches it.
   */
  @Override
  public void close() {
    closed = true;
    lock.lock();
    try {
      closing.signalAll();
    } finally {
      lock.unlock();
    }
    Session running = current;
    if (running != null) running.close();
  }
}
