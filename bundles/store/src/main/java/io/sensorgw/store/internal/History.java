package io.sensorgw.store.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Queries over the stored values: readings in time order with a cursor, and time buckets. Every
 * query is bounded: readings come in index order with a row limit (never a sort of the window),
 * buckets are grouped by the database, and every statement has a timeout.
 */
final class History {
  /** Rows one chunk query may return; a page of readings takes one or a few chunks. */
  static final int MAX_CHUNK_ROWS = 50_000;

  /**
   * Two readings' worth of rows at the most values a reading may have: a full chunk always ends
   * one.
   */
  static final int MIN_CHUNK_ROWS = 2 * ReadingCheck.MAX_VALUES + 1;

  private final DataSource dataSource;
  private final int queryTimeoutS;

  History(DataSource dataSource) {
    this(dataSource, 15);
  }

  History(DataSource dataSource, int queryTimeoutS) {
    this.dataSource = dataSource;
    this.queryTimeoutS = queryTimeoutS;
  }

  int queryTimeoutS() {
    return queryTimeoutS;
  }

  /** Where a page starts: after this reading (exclusive), or at {@code from} when null. */
  record Cursor(long tsMs, long seq) {
    static Cursor parse(String text) {
      int colon = text.indexOf(':');
      if (colon < 0) throw new IllegalArgumentException("after must be <epoch ms>:<sequence>");
      return new Cursor(
          Long.parseLong(text.substring(0, colon)), Long.parseLong(text.substring(colon + 1)));
    }

    @Override
    public String toString() {
      return tsMs + ":" + seq;
    }
  }

  /** Whether any value of this sensor is stored (one index probe). */
  boolean hasRows(String sensorId) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement query =
            connection.prepareStatement(
                "SELECT 1 FROM " + Schema.TABLE + " WHERE sensor_id = ? FETCH FIRST 1 ROWS ONLY")) {
      query.setQueryTimeout(queryTimeoutS);
      query.setString(1, sensorId);
      try (ResultSet rows = query.executeQuery()) {
        return rows.next();
      }
    }
  }

  /**
   * Up to {@code limit} readings of {@code sensorId} in [from, to), oldest first, each with its
   * values; plus the cursor of the next page, or null when this is the last.
   *
   * <p>A reading is several rows (one per value), so the rows are read in index order (sensor,
   * time, sequence, name) in chunks with a row limit: a chunk's last reading may be cut, so it is
   * left for the next chunk, which starts after the last whole reading. The database never sorts
   * the window, and no more rows are read than the page needs (plus one chunk's slack).
   */
  Map<String, Object> readings(String sensorId, long fromMs, long toMs, Cursor after, int limit)
      throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(queryTimeoutS);
    List<Map<String, Object>> readings = new ArrayList<>();
    Cursor position = after;
    Cursor next = null;
    int rowsPerReading = 2; // a first guess; grows with what the chunks show
    try (Connection connection = dataSource.getConnection()) {
      while (true) {
        int wanted = limit - readings.size();
        // One reading more than wanted: its first row shows that the last wanted one is whole.
        int rowLimit =
            (int)
                Math.min(MAX_CHUNK_ROWS, Math.max(MIN_CHUNK_ROWS, (wanted + 1L) * rowsPerReading));
        Chunk chunk =
            chunk(connection, sensorId, fromMs, toMs, position, rowLimit, wanted, deadline);
        readings.addAll(chunk.readings);
        if (!chunk.keys.isEmpty()) position = chunk.keys.get(chunk.keys.size() - 1);
        if (readings.size() == limit) {
          if (chunk.more) next = position;
          break;
        }
        if (!chunk.more) break; // the window has no more rows
        int whole = chunk.readings.size(); // at least 1 when more rows follow
        rowsPerReading = Math.max(rowsPerReading, (chunk.rows + whole - 1) / whole);
      }
    }
    Map<String, Object> page = new LinkedHashMap<>();
    page.put("sensor", sensorId);
    page.put("from", Instant.ofEpochMilli(fromMs).toString());
    page.put("to", Instant.ofEpochMilli(toMs).toString());
    page.put("count", readings.size());
    page.put("readings", readings);
    if (next != null) page.put("next", next.toString());
    return page;
  }

  /**
   * Up to {@code wanted} whole readings from one index-ordered run of at most {@code rowLimit}
   * rows, and whether rows follow them ({@code more}).
   */
  private record Chunk(
      List<Map<String, Object>> readings, List<Cursor> keys, int rows, boolean more) {}

  private Chunk chunk(
      Connection connection,
      String sensorId,
      long fromMs,
      long toMs,
      Cursor after,
      int rowLimit,
      int wanted,
      long deadline)
      throws SQLException {
    // ORDER BY the index's own columns, sensor_id included, so that H2 reads the index in order
    // ("index sorted") instead of sorting the window; the cursor is a range on ts_ms plus a filter.
    String sql =
        "SELECT ts_ms, seq, name, num_value, unit, quality, message FROM "
            + Schema.TABLE
            + " WHERE sensor_id = ? AND ts_ms >= ? AND ts_ms < ?"
            + (after == null ? "" : " AND (ts_ms > ? OR seq > ?)")
            + " ORDER BY sensor_id, ts_ms, seq, name FETCH FIRST "
            + rowLimit
            + " ROWS ONLY";
    List<Map<String, Object>> readings = new ArrayList<>();
    List<Cursor> keys = new ArrayList<>();
    int rowCount = 0;
    boolean more = false;
    try (PreparedStatement query = connection.prepareStatement(sql)) {
      query.setQueryTimeout(secondsLeft(deadline));
      query.setString(1, sensorId);
      query.setLong(2, after == null ? fromMs : after.tsMs());
      query.setLong(3, toMs);
      if (after != null) {
        query.setLong(4, after.tsMs());
        query.setLong(5, after.seq());
      }
      query.setFetchSize(Math.min(rowLimit, 1000));
      try (ResultSet rows = query.executeQuery()) {
        Map<String, Object> values = null;
        long currentTs = 0;
        long currentSeq = 0;
        while (rows.next()) {
          long ts = rows.getLong(1);
          long seq = rows.getLong(2);
          if (values == null || ts != currentTs || seq != currentSeq) {
            if (readings.size() == wanted) { // the wanted ones are whole, and another follows
              more = true;
              break;
            }
            Map<String, Object> reading = new LinkedHashMap<>();
            reading.put("timestamp", Instant.ofEpochMilli(ts).toString());
            reading.put("sequence", seq);
            reading.put("quality", rows.getString(6));
            String message = rows.getString(7);
            if (message != null) reading.put("message", message);
            values = new LinkedHashMap<>();
            reading.put("values", values);
            readings.add(reading);
            keys.add(new Cursor(ts, seq));
            currentTs = ts;
            currentSeq = seq;
          }
          rowCount++;
          values.put(
              rows.getString(3), Map.of("value", rows.getDouble(4), "unit", rows.getString(5)));
        }
      }
    }
    if (!more && rowCount == rowLimit) {
      // The limit cut the run: its last reading may go on past it, so it is left for the next
      // chunk; unless it is the only one (more rows for one reading than a chunk: take what came).
      more = true;
      if (readings.size() > 1) {
        readings.remove(readings.size() - 1);
        keys.remove(keys.size() - 1);
      }
    }
    return new Chunk(readings, keys, rowCount, more);
  }

  /** The statement timeout that keeps a whole request within the query timeout (at least 1 s). */
  private static int secondsLeft(long deadline) {
    long left = deadline - System.nanoTime();
    return (int) Math.max(1, TimeUnit.NANOSECONDS.toSeconds(left + 999_999_999L));
  }

  /**
   * min/avg/max/count per value name in buckets of {@code bucketMs}, oldest first. Whole minutes
   * come from the per-minute rollup when the bucket is a whole number of minutes; only the partial
   * minutes at the window's edges are aggregated from raw rows.
   */
  Map<String, Object> buckets(String sensorId, long fromMs, long toMs, long bucketMs, int limit)
      throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(queryTimeoutS);
    // At most (window / bucket) buckets, bounded by the route (max.buckets) before it gets here.
    TreeMap<Long, TreeMap<String, Aggregate>> buckets = new TreeMap<>();
    try (Connection connection = dataSource.getConnection()) {
      long firstMinute = Math.floorDiv(fromMs + 59_999, 60_000) * 60_000;
      long lastMinute = Math.floorDiv(toMs, 60_000) * 60_000;
      if (bucketMs % 60_000 == 0 && firstMinute < lastMinute) {
        aggregate(connection, buckets, sensorId, firstMinute, lastMinute, bucketMs, true, deadline);
        aggregate(connection, buckets, sensorId, fromMs, firstMinute, bucketMs, false, deadline);
        aggregate(connection, buckets, sensorId, lastMinute, toMs, bucketMs, false, deadline);
      } else {
        aggregate(connection, buckets, sensorId, fromMs, toMs, bucketMs, false, deadline);
      }
    }
    List<Map<String, Object>> list = new ArrayList<>();
    for (Map.Entry<Long, TreeMap<String, Aggregate>> bucket : buckets.entrySet()) {
      if (list.size() == limit) break;
      Map<String, Object> values = new LinkedHashMap<>();
      bucket.getValue().forEach((name, aggregate) -> values.put(name, aggregate.toMap()));
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("start", Instant.ofEpochMilli(bucket.getKey()).toString());
      entry.put("values", values);
      list.add(entry);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("sensor", sensorId);
    result.put("from", Instant.ofEpochMilli(fromMs).toString());
    result.put("to", Instant.ofEpochMilli(toMs).toString());
    result.put("everyMs", bucketMs);
    result.put("buckets", list);
    return result;
  }

  /** Adds the aggregates of [fromMs, toMs) to {@code buckets}, from the rollup or the raw rows. */
  private static void aggregate(
      Connection connection,
      TreeMap<Long, TreeMap<String, Aggregate>> buckets,
      String sensorId,
      long fromMs,
      long toMs,
      long bucketMs,
      boolean fromRollup,
      long deadline)
      throws SQLException {
    if (fromMs >= toMs) return;
    // The bucket width is a parsed number, inlined so GROUP BY and SELECT use the same expression.
    String sql =
        fromRollup
            ? "SELECT (minute_ms / "
                + bucketMs
                + ") * "
                + bucketMs
                + ", name, MIN(min_value), MAX(max_value), "
                + "SUM(sum_value), SUM(count_value), MIN(unit) FROM "
                + Schema.MINUTES
                + " WHERE sensor_id = ? AND minute_ms >= ? AND minute_ms < ?"
                + " GROUP BY (minute_ms / "
                + bucketMs
                + ") * "
                + bucketMs
                + ", name"
            : "SELECT (ts_ms / "
                + bucketMs
                + ") * "
                + bucketMs
                + ", name, MIN(num_value), MAX(num_value), "
                + "SUM(num_value), COUNT(*), MIN(unit) FROM "
                + Schema.TABLE
                + " WHERE sensor_id = ? AND ts_ms >= ? AND ts_ms < ?"
                + " GROUP BY (ts_ms / "
                + bucketMs
                + ") * "
                + bucketMs
                + ", name";
    try (PreparedStatement query = connection.prepareStatement(sql)) {
      query.setQueryTimeout(secondsLeft(deadline));
      query.setString(1, sensorId);
      query.setLong(2, fromMs);
      query.setLong(3, toMs);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          buckets
              .computeIfAbsent(rows.getLong(1), start -> new TreeMap<>())
              .computeIfAbsent(rows.getString(2), name -> new Aggregate())
              .add(
                  rows.getDouble(3),
                  rows.getDouble(4),
                  rows.getDouble(5),
                  rows.getLong(6),
                  rows.getString(7));
        }
      }
    }
  }

  /** min/max/sum/count of one value in one bucket, merged from rollup and raw parts. */
  private static final class Aggregate {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum;
    long count;
    String unit;

    void add(double partMin, double partMax, double partSum, long partCount, String partUnit) {
      min = Math.min(min, partMin);
      max = Math.max(max, partMax);
      sum += partSum;
      count += partCount;
      if (unit == null) unit = partUnit;
    }

    Map<String, Object> toMap() {
      Map<String, Object> stats = new LinkedHashMap<>();
      stats.put("min", min);
      stats.put("avg", sum / count);
      stats.put("max", max);
      stats.put("count", count);
      stats.put("unit", unit);
      return stats;
    }
  }

  /**
   * The rollup of minutes that have been deleted entirely goes too (it is small: one row a minute).
   */
  private static void deleteMinutesBefore(Connection connection, long minuteMs, int timeoutS)
      throws SQLException {
    try (PreparedStatement delete =
        connection.prepareStatement("DELETE FROM " + Schema.MINUTES + " WHERE minute_ms < ?")) {
      delete.setQueryTimeout(timeoutS);
      delete.setLong(1, minuteMs);
      delete.executeUpdate();
    }
  }

  /**
   * Deletes values older than {@code cutoffMs} in chunks of about {@code chunk} rows, each its own
   * short transaction, each statement bounded by the query timeout (a chunk that overruns it is
   * cancelled and rolled back; the next pass goes on from there); returns how many rows went.
   */
  long deleteOlderThan(long cutoffMs, int chunk) throws SQLException {
    long deleted = 0;
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(true);
      while (true) {
        long bound = cutoffMs;
        try (PreparedStatement find =
            connection.prepareStatement(
                "SELECT ts_ms FROM "
                    + Schema.TABLE
                    + " WHERE ts_ms < ? ORDER BY ts_ms LIMIT 1 OFFSET "
                    + chunk)) {
          find.setQueryTimeout(queryTimeoutS);
          find.setLong(1, cutoffMs);
          try (ResultSet rows = find.executeQuery()) {
            if (rows.next()) bound = Math.max(rows.getLong(1), Long.MIN_VALUE + 1);
          }
        }
        try (PreparedStatement delete =
            connection.prepareStatement("DELETE FROM " + Schema.TABLE + " WHERE ts_ms < ?")) {
          delete.setQueryTimeout(queryTimeoutS);
          delete.setLong(1, bound == cutoffMs ? cutoffMs : bound + 1);
          int count = delete.executeUpdate();
          deleted += count;
          if (bound == cutoffMs || count == 0) {
            deleteMinutesBefore(
                connection, Math.floorDiv(cutoffMs, 60_000) * 60_000, queryTimeoutS);
            return deleted;
          }
        }
      }
    }
  }
}
