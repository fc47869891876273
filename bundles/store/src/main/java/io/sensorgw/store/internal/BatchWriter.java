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
            batch.size(), e.getMessage(), backoffMs, backlog());
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
