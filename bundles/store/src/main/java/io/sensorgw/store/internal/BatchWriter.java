package io.sensorgw.store.internal;

import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes readings in batches on its own thread: a batch goes out when it is full or when its
 * oldest reading has waited the max delay. While the database is down the readings wait in a
 * bounded backlog (oldest dropped first, counted) and the failed batch is retried with backoff, so
 * nothing accepted is lost while the backlog has room.
 */
final class BatchWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);
  static final String INSERT = "INSERT INTO " + Schema.TABLE
      + " (sensor_id, ts_ms, seq, name, num_value, unit, quality, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

  /** Standard SQL MERGE, as both H2 and PostgreSQL (15+) run it. */
  static final String MERGE_MINUTE = "MERGE INTO " + Schema.MINUTES + " t USING (VALUES ("
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

  private final DataSource dataSource;
  private final int batchSize;
  private final long maxDelayNanos;
  private final int capacity;
  private final ArrayDeque<Reading> backlog = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final Thread thread;
  private volatile boolean closed;
  private long oldestQueuedAt; // guarded by lock

  private final AtomicLong written = new AtomicLong();
  private final AtomicLong rows = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong writeNanosTotal = new AtomicLong();
  private volatile double lastWriteMillis;

  BatchWriter(DataSource dataSource, int batchSize, Duration maxDelay, int capacity, String name) {
    this.dataSource = dataSource;
    this.batchSize = batchSize;
    this.maxDelayNanos = maxDelay.toNanos();
    this.capacity = capacity;
    this.thread = new Thread(this::run, "sensorgw-store-writer-" + name);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Never blocks: a full backlog drops its oldest reading. */
  void offer(Reading reading) {
    if (reading.values().isEmpty()) {
      skipped.incrementAndGet(); // nothing numeric to store
      return;
    }
    lock.lock();
    try {
      if (backlog.isEmpty()) oldestQueuedAt = System.nanoTime();
      if (backlog.size() >= capacity) {
        backlog.pollFirst();
        dropped.incrementAndGet();
      }
      backlog.addLast(reading);
      if (backlog.size() >= batchSize) arrived.signal();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    long backoffMs = 250;
    List<Reading> batch = new ArrayList<>(batchSize);
    while (true) {
      // Once closed, what is left is flushed batch by batch, then the thread ends.
      if (batch.isEmpty() && !takeBatch(batch)) {
        if (closed) return;
        continue;
      }
      try {
        write(batch);
        batch.clear();
        backoffMs = 250;
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) { // the writer must outlive any driver failure (PgJDBC even asserts)
        failures.incrementAndGet();
        if (closed) {
          LOG.warn("Store: {} readings not written at shutdown: {}", batch.size(), e.getMessage());
          return;
        }
        LOG.warn("Store: writing {} readings failed ({}); retrying in {} ms, backlog {}",
            batch.size(), Failures.describe(e), backoffMs, backlog());
        pause(backoffMs);
        backoffMs = Math.min(10_000, backoffMs * 2);
      }
    }
  }

  /** Waits for a full batch or the max delay; false when there was nothing to take. */
  private boolean takeBatch(List<Reading> batch) {
    lock.lock();
    try {
      while (!closed && backlog.size() < batchSize) {
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
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
        for (Reading reading : batch) {
          String quality = reading.quality().name().toLowerCase(Locale.ROOT);
          String message = reading.message().isEmpty() ? null : truncate(reading.message(), 512);
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
        minutes.computeIfAbsent(
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

  private void pause(long millis) {
    lock.lock();
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      long left;
      while (!closed && (left = deadline - System.nanoTime()) > 0) arrived.awaitNanos(left);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    } finally {
      lock.unlock();
    }
  }

  int backlog() {
    lock.lock();
    try {
      return backlog.size();
    } finally {
      lock.unlock();
    }
  }

  Map<String, Number> metrics() {
    Map<String, Number> metrics = new LinkedHashMap<>();
    long batchCount = batches.get();
    metrics.put("written", written.get());
    metrics.put("rows", rows.get());
    metrics.put("batches", batchCount);
    metrics.put("backlog", backlog());
    metrics.put("dropped", dropped.get());
    metrics.put("skipped", skipped.get());
    metrics.put("failures", failures.get());
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
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
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
