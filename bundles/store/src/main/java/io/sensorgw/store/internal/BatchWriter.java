package io.sensorgw.store.internal;

import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import io.sensorgw.concurrent.ReconnectLoop;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes readings in batches on its own thread: a batch goes out when it is full or when its oldest
 * reading has waited the max delay. While the database is down the readings wait in a bounded
 * backlog (oldest dropped first, counted) and the failed batch is retried with backoff ({@link
 * ReconnectLoop}), so nothing accepted is lost while the backlog has room.
 *
 * <p>A reading the database can never take is a dead letter, not a reason to retry forever: the
 * door ({@link ReadingCheck}) sets aside what is known to be unstorable (a 129-character id), and a
 * batch the database refuses for its data (SQL state class 22 or 23) is split in halves until the
 * bad readings are alone; they are set aside and the rest is written. Each part is written once:
 * what is left to write is a queue of parts, so a transient failure half-way retries only the parts
 * not yet committed.
 *
 * <p>The same thread opens the database (connect, migrate) before its first write and again after
 * the connection was lost or H2 closed the database, so activation never waits on it.
 */
final class BatchWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);

  /** How often a database refused as configured is looked at again (it may be reconfigured). */
  private static final Duration RECONFIGURE_CHECK = Duration.ofSeconds(1);

  static final String INSERT =
      "INSERT INTO "
          + Schema.TABLE
          + " (sensor_id, ts_ms, seq, name, num_value, unit, quality, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

  /** Standard SQL MERGE, as both H2 and PostgreSQL (15+) run it. */
  static final String MERGE_MINUTE =
      "MERGE INTO "
          + Schema.MINUTES
          + " t USING (VALUES ("
          + "CAST(? AS VARCHAR(128)), CAST(? AS BIGINT), CAST(? AS VARCHAR(64)), CAST(? AS DOUBLE PRECISION), "
          + "CAST(? AS DOUBLE PRECISION), CAST(? AS DOUBLE PRECISION), CAST(? AS BIGINT), CAST(? AS VARCHAR(16))"
          + ")) AS s (sensor_id, minute_ms, name, min_value, max_value, sum_value, count_value, unit) "
          + "ON t.sensor_id = s.sensor_id AND t.minute_ms = s.minute_ms AND t.name = s.name "
          + "WHEN MATCHED THEN UPDATE SET min_value = LEAST(t.min_value, s.min_value), "
          + "max_value = GREATEST(t.max_value, s.max_value), sum_value = t.sum_value + s.sum_value, "
          + "count_value = t.count_value + s.count_value "
          + "WHEN NOT MATCHED THEN INSERT (sensor_id, minute_ms, name, min_value, max_value, sum_value, "
          + "count_value, unit) VALUES (s.sensor_id, s.minute_ms, s.name, s.min_value, s.max_value, "
          + "s.sum_value, s.count_value, s.unit)";

  private final StoreDatabase database;
  private final DeadLetters deadLetters;
  private final Duration degradedHold;
  private final int batchSize;
  private final long maxDelayNanos;
  private final int capacity;
  private final ArrayDeque<Reading> backlog = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final Thread thread;
  private volatile boolean closed;

  /**
   * Retries failed writes with backoff. Up once a write went through (not when the database merely
   * opened): a database that connects but refuses writes is not hammered at the shortest delay.
   */
  private final ReconnectLoop connection;

  private final WriterSession session = new WriterSession();

  /** The writer thread's: failed attempts in a row, for the periodic reminder. */
  private int failedAttempts;

  /** The writer thread's: the session wrote what it could at shutdown and logged the rest. */
  private boolean shutDown;

  private long oldestQueuedAt; // guarded by lock

  /** Parts of taken batches not yet written, in order; only the writer thread touches it. */
  private final ArrayDeque<List<Reading>> pending = new ArrayDeque<>();

  private final AtomicInteger pendingReadings = new AtomicInteger();

  private final AtomicLong written = new AtomicLong();
  private final AtomicLong rows = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong splits = new AtomicLong();
  private final AtomicLong loopRestarts = new AtomicLong();
  private final AtomicLong writeNanosTotal = new AtomicLong();
  private volatile double lastWriteMillis;
  private volatile long lastDropNanos;
  private volatile long dropRunStartCount;

  /** Why the last write failed, while writes fail; null once one succeeds. */
  private volatile String failing;

  BatchWriter(
      StoreDatabase database, DeadLetters deadLetters, StoreSettings settings, String name) {
    this.database = database;
    this.deadLetters = deadLetters;
    this.degradedHold = settings.degradedHold();
    this.batchSize = settings.batchSize();
    this.maxDelayNanos = Duration.ofMillis(settings.maxDelayMs()).toNanos();
    this.capacity = settings.backlogCapacity();
    this.connection =
        ReconnectLoop.builder("Store").logger(LOG).upOnFirstData().onFailure(this::failed).build();
    this.thread = new Thread(this::run, "sensorgw-store-writer-" + name);
    thread.setDaemon(true);
  }

  /**
   * A writer on a data source used as it is, with default settings but these (tests, benchmarks).
   */
  BatchWriter(DataSource dataSource, int batchSize, Duration maxDelay, int capacity, String name) {
    this(
        StoreDatabase.unpooled(dataSource, "test database"),
        new DeadLetters(),
        StoreSettings.defaults("jdbc:h2:mem:").withBatch(batchSize, maxDelay.toMillis(), capacity),
        name);
  }

  void start() {
    thread.start();
  }

  /**
   * Never blocks: a full backlog drops its oldest reading; an unstorable reading is a dead letter.
   */
  void offer(Reading reading) {
    if (reading.values().isEmpty()) {
      skipped.incrementAndGet(); // nothing numeric to store
      return;
    }
    String problem = ReadingCheck.problem(reading);
    if (problem != null) {
      deadLetters.add(reading.sensorId(), 1, problem, problem, degradedHold);
      return;
    }
    lock.lock();
    try {
      if (backlog.isEmpty()) oldestQueuedAt = System.nanoTime();
      if (backlog.size() >= capacity) {
        backlog.pollFirst();
        long now = System.nanoTime();
        if (now - lastDropNanos > degradedHold.toNanos()) dropRunStartCount = dropped.get();
        lastDropNanos = now;
        dropped.incrementAndGet();
      }
      backlog.addLast(reading);
      if (backlog.size() >= batchSize) arrived.signal();
    } finally {
      lock.unlock();
    }
  }

  /** The thread's body: whatever escapes the loop is logged and the loop starts again. */
  private void run() {
    while (true) {
      try {
        loop();
        return;
      } catch (Throwable e) { // a bug, or an Error: never die silently, the backlog would only grow
        loopRestarts.incrementAndGet();
        failing = "writer failed unexpectedly: " + e;
        try {
          LOG.error(
              "Store: the writer failed unexpectedly; restarting its loop ({} readings kept)",
              pendingReadings.get(),
              e);
        } catch (Throwable ignored) { // logging itself failed (out of memory): carry on regardless
        }
        if (closed || !connection.pause(Duration.ofSeconds(1))) return;
      }
    }
  }

  /**
   * Writes with backoff until closed, then writes what is queued: when closing ended a pause
   * between attempts, with one more try.
   */
  private void loop() throws IOException {
    connection.run(() -> session);
    if (!shutDown) {
      closed = true; // an interrupt ended the loop: shut down as if closed
      session.run();
    }
  }

  /**
   * Writes until a write fails. The database is opened (connect, migrate) first and again after it
   * was lost. Once closed it writes what is queued and ends, a failure then ends it too, with what
   * is left logged.
   */
  private final class WriterSession implements ReconnectLoop.Session {
    @Override
    public void open() {
      // Opening the database is part of run(): a lost database is reopened within the session.
    }

    @Override
    public void run() throws IOException {
      while (true) {
        if (!database.isOpen()) {
          if (!database.needsOpening()) { // refused as configured: wait to be reconfigured
            if (closed || !connection.pause(RECONFIGURE_CHECK)) {
              shutDown(database.unavailableReason());
              return;
            }
            continue;
          }
          try { // at shutdown too: one try, so what is queued can still be written
            database.open();
          } catch (SQLException | RuntimeException e) { // StoreDatabase logs it, keeps the reason
            if (closed) {
              failures.incrementAndGet();
              shutDown(database.unavailableReason());
              return;
            }
            throw new IOException(Failures.describe(e, 300), e);
          }
          continue;
        }
        if (pending.isEmpty()) {
          List<Reading> batch = new ArrayList<>(batchSize);
          if (!takeBatch(batch)) {
            if (closed && backlog() == 0) {
              shutDown = true;
              return;
            }
            continue;
          }
          pending.addLast(batch);
          pendingReadings.addAndGet(batch.size());
        }
        try {
          writePending();
        } catch (VirtualMachineError e) {
          throw e;
        } catch (Throwable e) { // the writer must outlive any driver failure (PgJDBC even asserts)
          Failures.Kind kind = Failures.classify(e);
          String why = Failures.describe(e, 300);
          failing = (kind == Failures.Kind.DISK_FULL ? "disk full: " : "") + why;
          if (kind.meansDatabaseLost()) database.lost(kind, e);
          if (closed) {
            failures.incrementAndGet();
            shutDown(why);
            return;
          }
          throw new IOException(why, e);
        }
        failedAttempts = 0;
        failing = null;
        connection.heard(); // a write went through: the outage is over
      }
    }

    @Override
    public void close() {
      // Nothing held between attempts: the pool and the database are StoreDatabase's.
    }
  }

  /** On the writer thread, after every failed attempt but at shutdown. */
  private void failed(Exception failure, Duration retryIn) {
    failures.incrementAndGet();
    // The loop logs the first failure of an outage; a reminder every tenth attempt says it lasts.
    if (++failedAttempts % 10 == 0) {
      LOG.warn(
          "Store: writing {} readings still fails ({}, attempt {}); retrying in {} ms, backlog {}",
          pendingReadings.get(),
          failure.getMessage(),
          failedAttempts,
          retryIn.toMillis(),
          backlog());
    }
  }

  private void shutDown(String why) {
    logUnwrittenAtShutdown(why);
    shutDown = true;
  }

  /**
   * Writes the pending parts front to back, each in its own transaction. A part refused for its
   * data is split in halves (put back in front, in order); a refused single reading is a dead
   * letter. Any other failure leaves what is not yet written pending and is thrown.
   */
  private void writePending() throws SQLException {
    while (!pending.isEmpty()) {
      List<Reading> part = pending.peekFirst();
      try {
        write(part);
      } catch (SQLException e) {
        if (Failures.classify(e) != Failures.Kind.BAD_DATA) throw e;
        pending.pollFirst();
        if (part.size() == 1) {
          pendingReadings.decrementAndGet();
          Reading bad = part.get(0);
          String state = Failures.badDataState(e);
          deadLetters.add(
              bad.sensorId(),
              1,
              "sql " + state,
              "the database refused it: "
                  + Failures.badDataReason(e, 200)
                  + (state.isEmpty() ? "" : " (SQL state " + state + ")"),
              degradedHold);
        } else {
          splits.incrementAndGet();
          int half = part.size() / 2;
          pending.addFirst(new ArrayList<>(part.subList(half, part.size())));
          pending.addFirst(new ArrayList<>(part.subList(0, half)));
        }
        continue;
      }
      pending.pollFirst();
      pendingReadings.addAndGet(-part.size());
    }
  }

  private void logUnwrittenAtShutdown(String why) {
    int left = pendingReadings.get() + backlog();
    if (left > 0) LOG.warn("Store: {} readings not written at shutdown: {}", left, why);
  }

  /**
   * Waits for a full batch or the max delay; false when there was nothing to take, or when the
   * database needs opening again (a query saw it closed): the loop then opens it without waiting
   * for the next reading.
   */
  private boolean takeBatch(List<Reading> batch) {
    lock.lock();
    try {
      while (!closed && backlog.size() < batchSize) {
        if (!database.isOpen()) return false;
        long waited = backlog.isEmpty() ? 0 : System.nanoTime() - oldestQueuedAt;
        if (!backlog.isEmpty() && waited >= maxDelayNanos) break;
        long wait = backlog.isEmpty() ? maxDelayNanos : maxDelayNanos - waited;
        try {
          arrived.awaitNanos(wait);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          closed = true;
        }
      }
      while (batch.size() < batchSize && !backlog.isEmpty()) batch.add(backlog.pollFirst());
      if (!backlog.isEmpty()) oldestQueuedAt = System.nanoTime();
      return !batch.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  private void write(List<Reading> batch) throws SQLException {
    long start = System.nanoTime();
    int rowCount = 0;
    try (Connection connection = database.dataSource().getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
        for (Reading reading : batch) {
          String quality = reading.quality().name().toLowerCase(Locale.ROOT);
          String message =
              reading.message().isEmpty()
                  ? null
                  : ReadingCheck.storableMessage(reading.message(), 512);
          for (Map.Entry<String, Value> value : reading.values().entrySet()) {
            insert.setString(1, reading.sensorId());
            insert.setLong(2, reading.acquiredAt().toEpochMilli());
            insert.setLong(3, reading.sequence());
            insert.setString(4, truncate(value.getKey(), 64));
            insert.setDouble(5, value.getValue().value());
            insert.setString(6, truncate(value.getValue().unit(), 16));
            insert.setString(7, quality);
            insert.setString(8, message);
            insert.addBatch();
            rowCount++;
          }
        }
        insert.executeBatch();
        mergeMinutes(connection, batch);
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          connection.rollback();
        } catch (SQLException | RuntimeException | AssertionError rollbackFailure) {
          e.addSuppressed(rollbackFailure); // a broken connection cannot roll back; it is discarded
        }
        throw e;
      }
    }
    long took = System.nanoTime() - start;
    writeNanosTotal.addAndGet(took);
    lastWriteMillis = took / 1e6;
    batches.incrementAndGet();
    rows.addAndGet(rowCount);
    written.addAndGet(batch.size());
  }

  /** Folds the batch into the per-minute rollup, in the same transaction as the raw rows. */
  private static void mergeMinutes(Connection connection, List<Reading> batch) throws SQLException {
    Map<MinuteKey, MinuteStats> minutes = new LinkedHashMap<>();
    for (Reading reading : batch) {
      long minute = Math.floorDiv(reading.acquiredAt().toEpochMilli(), 60_000L) * 60_000L;
      for (Map.Entry<String, Value> value : reading.values().entrySet()) {
        minutes
            .computeIfAbsent(
                new MinuteKey(reading.sensorId(), minute, truncate(value.getKey(), 64)),
                key -> new MinuteStats(truncate(value.getValue().unit(), 16)))
            .add(value.getValue().value());
      }
    }
    try (PreparedStatement merge = connection.prepareStatement(MERGE_MINUTE)) {
      for (Map.Entry<MinuteKey, MinuteStats> entry : minutes.entrySet()) {
        MinuteKey key = entry.getKey();
        MinuteStats stats = entry.getValue();
        merge.setString(1, key.sensorId());
        merge.setLong(2, key.minuteMs());
        merge.setString(3, key.name());
        merge.setDouble(4, stats.min);
        merge.setDouble(5, stats.max);
        merge.setDouble(6, stats.sum);
        merge.setLong(7, stats.count);
        merge.setString(8, stats.unit);
        merge.addBatch();
      }
      merge.executeBatch();
    }
  }

  private record MinuteKey(String sensorId, long minuteMs, String name) {}

  private static final class MinuteStats {
    final String unit;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum;
    long count;

    MinuteStats(String unit) {
      this.unit = unit;
    }

    void add(double value) {
      min = Math.min(min, value);
      max = Math.max(max, value);
      sum += value;
      count++;
    }
  }

  private static String truncate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max);
  }

  /** Readings waiting to be taken into a batch. */
  int backlog() {
    lock.lock();
    try {
      return backlog.size();
    } finally {
      lock.unlock();
    }
  }

  /** Readings accepted and not yet written: the backlog and the batch being written or retried. */
  int waiting() {
    return backlog() + pendingReadings.get();
  }

  StoreDatabase database() {
    return database;
  }

  int capacity() {
    return capacity;
  }

  /** Why writes fail now, or null when the last write succeeded. */
  String failing() {
    return failing;
  }

  /**
   * How many readings a full backlog dropped in the current run of drops, or 0 when none lately.
   */
  long recentDrops() {
    long last = lastDropNanos;
    if (dropped.get() == 0 || System.nanoTime() - last > degradedHold.toNanos()) return 0;
    return dropped.get() - dropRunStartCount;
  }

  boolean isAlive() {
    return thread.isAlive();
  }

  /** What each of {@link #metrics()} is. */
  static final Map<String, MetricDescription> METRIC_DESCRIPTIONS =
      Map.ofEntries(
          Map.entry("written", MetricDescription.counter("Readings written to the database")),
          Map.entry("rows", MetricDescription.counter("Rows inserted (one per reading value)")),
          Map.entry("batches", MetricDescription.counter("Batches committed")),
          Map.entry("backlog", MetricDescription.gauge("Readings queued for writing")),
          Map.entry("pending", MetricDescription.gauge("Readings in the batch being written")),
          Map.entry("dropped", MetricDescription.counter("Oldest readings dropped, queue full")),
          Map.entry("skipped", MetricDescription.counter("Readings with nothing to store")),
          Map.entry("failures", MetricDescription.counter("Batch writes that failed")),
          Map.entry(
              "deadLetters",
              MetricDescription.counter("Readings set aside, refused by the database")),
          Map.entry("batchSplits", MetricDescription.counter("Refused batches split to find why")),
          Map.entry("writerRestarts", MetricDescription.counter("Writer loop restarted")),
          Map.entry(
              "lastWriteMs",
              MetricDescription.gauge(
                  MetricDescription.MILLISECONDS, "Duration of the last batch write")),
          Map.entry(
              "meanWriteMs",
              MetricDescription.gauge(
                  MetricDescription.MILLISECONDS, "Mean duration of a batch write")));

  Map<String, Number> metrics() {
    Map<String, Number> metrics = new LinkedHashMap<>();
    long batchCount = batches.get();
    metrics.put("written", written.get());
    metrics.put("rows", rows.get());
    metrics.put("batches", batchCount);
    metrics.put("backlog", backlog());
    metrics.put("pending", pendingReadings.get());
    metrics.put("dropped", dropped.get());
    metrics.put("skipped", skipped.get());
    metrics.put("failures", failures.get());
    metrics.put("deadLetters", deadLetters.total());
    metrics.put("batchSplits", splits.get());
    metrics.put("writerRestarts", loopRestarts.get());
    metrics.put("lastWriteMs", lastWriteMillis);
    metrics.put("meanWriteMs", batchCount == 0 ? 0 : writeNanosTotal.get() / 1e6 / batchCount);
    return metrics;
  }

  /** Writes what is queued (one try, within {@code wait}), then stops the thread. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  boolean close(Duration wait) {
    closed = true;
    lock.lock();
    try {
      arrived.signalAll(); // ends the wait for a batch
    } finally {
      lock.unlock();
    }
    connection.close(); // ends a pause between attempts
    try {
      thread.join(wait.toMillis());
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(1000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !thread.isAlive();
  }
}
