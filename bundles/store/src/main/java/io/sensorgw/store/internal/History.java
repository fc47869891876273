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
import javax.sql.DataSource;

/** Queries over the stored values: readings in time order with a cursor, and time buckets. */
final class History {
  private final DataSource dataSource;

  History(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Where a page starts: after this reading (exclusive), or at {@code from} when null. */
  record Cursor(long tsMs, long seq) {
    static Cursor parse(String text) {
      int colon = text.indexOf(':');
      if (colon < 0) throw new IllegalArgumentException("after must be <epoch ms>:<sequence>");
      return new Cursor(Long.parseLong(text.substring(0, colon)), Long.parseLong(text.substring(colon + 1)));
    }

    @Override
    public String toString() {
      return tsMs + ":" + seq;
    }
  }

  /**
   * Up to {@code limit} readings of {@code sensorId} in [from, to), oldest first, each with its
   * values; plus the cursor of the next page, or null when this is the last.
   */
  Map<String, Object> readings(String sensorId, long fromMs, long toMs, Cursor after, int limit)
      throws SQLException {
    String sql = "SELECT ts_ms, seq, name, num_value, unit, quality, message FROM " + Schema.TABLE
        + " WHERE sensor_id = ? AND ts_ms < ? AND "
        + (after == null ? "ts_ms >= ?" : "(ts_ms > ? OR (ts_ms = ? AND seq > ?))")
        + " ORDER BY ts_ms, seq, name";
    List<Map<String, Object>> readings = new ArrayList<>();
    Cursor next = null;
    try (Connection connection = dataSource.getConnection();
        PreparedStatement query = connection.prepareStatement(sql)) {
      query.setString(1, sensorId);
      query.setLong(2, toMs);
      if (after == null) {
        query.setLong(3, fromMs);
      } else {
        query.setLong(3, after.tsMs());
        query.setLong(4, after.tsMs());
        query.setLong(5, after.seq());
      }
      query.setFetchSize(500);
      try (ResultSet rows = query.executeQuery()) {
        Map<String, Object> current = null;
        long currentTs = -1;
        long currentSeq = -1;
        while (rows.next()) {
          long ts = rows.getLong(1);
          long seq = rows.getLong(2);
          if (current == null || ts != currentTs || seq != currentSeq) {
            if (readings.size() == limit) {
              next = new Cursor(currentTs, currentSeq);
              break;
            }
            current = new LinkedHashMap<>();
            current.put("timestamp", Instant.ofEpochMilli(ts).toString());
            current.put("sequence", seq);
            current.put("quality", rows.getString(6));
            String message = rows.getString(7);
            if (message != null) current.put("message", message);
            current.put("values", new LinkedHashMap<String, Object>());
            readings.add(current);
            currentTs = ts;
            currentSeq = seq;
          }
          @SuppressWarnings("unchecked")
          Map<String, Object> values = (Map<String, Object>) current.get("values");
          values.put(rows.getString(3), Map.of("value", rows.getDouble(4), "unit", rows.getString(5)));
        }
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
   * min/avg/max/count per value name in buckets of {@code bucketMs}, oldest first. Whole minutes
   * come from the per-minute rollup when the bucket is a whole number of minutes; only the partial
   * minutes at the window's edges are aggregated from raw rows.
   */
  Map<String, Object> buckets(String sensorId, long fromMs, long toMs, long bucketMs, int limit)
      throws SQLException {
    TreeMap<Long, TreeMap<String, Aggregate>> buckets = new TreeMap<>();
    try (Connection connection = dataSource.getConnection()) {
      long firstMinute = Math.floorDiv(fromMs + 59_999, 60_000) * 60_000;
      long lastMinute = Math.floorDiv(toMs, 60_000) * 60_000;
      if (bucketMs % 60_000 == 0 && firstMinute < lastMinute) {
        aggregate(connection, buckets, sensorId, firstMinute, lastMinute, bucketMs, true);
        aggregate(connection, buckets, sensorId, fromMs, firstMinute, bucketMs, false);
        aggregate(connection, buckets, sensorId, lastMinute, toMs, bucketMs, false);
      } else {
        aggregate(connection, buckets, sensorId, fromMs, toMs, bucketMs, false);
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
  private static void aggregate(Connection connection, TreeMap<Long, TreeMap<String, Aggregate>> buckets,
      String sensorId, long fromMs, long toMs, long bucketMs, boolean fromRollup) throws SQLException {
    if (fromMs >= toMs) return;
    // The bucket width is a parsed number, inlined so GROUP BY and SELECT use the same expression.
    String sql = fromRollup
        ? "SELECT (minute_ms / " + bucketMs + ") * " + bucketMs + ", name, MIN(min_value), MAX(max_value), "
            + "SUM(sum_value), SUM(count_value), MIN(unit) FROM " + Schema.MINUTES
            + " WHERE sensor_id = ? AND minute_ms >= ? AND minute_ms < ?"
            + " GROUP BY (minute_ms / " + bucketMs + ") * " + bucketMs + ", name"
        : "SELECT (ts_ms / " + bucketMs + ") * " + bucketMs + ", name, MIN(num_value), MAX(num_value), "
            + "SUM(num_value), COUNT(*), MIN(unit) FROM " + Schema.TABLE
            + " WHERE sensor_id = ? AND ts_ms >= ? AND ts_ms < ?"
            + " GROUP BY (ts_ms / " + bucketMs + ") * " + bucketMs + ", name";
    try (PreparedStatement query = connection.prepareStatement(sql)) {
      query.setString(1, sensorId);
      query.setLong(2, fromMs);
      query.setLong(3, toMs);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          buckets.computeIfAbsent(rows.getLong(1), start -> new TreeMap<>())
              .computeIfAbsent(rows.getString(2), name -> new Aggregate())
              .add(rows.getDouble(3), rows.getDouble(4), rows.getDouble(5), rows.getLong(6), rows.getString(7));
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

  /** The rollup of minutes that have been deleted entirely goes too (it is small: one row a minute). */
  private static void deleteMinutesBefore(Connection connection, long minuteMs) throws SQLException {
    try (PreparedStatement delete = connection.prepareStatement(
        "DELETE FROM " + Schema.MINUTES + " WHERE minute_ms < ?")) {
      delete.setLong(1, minuteMs);
      delete.executeUpdate();
    }
  }

  /**
   * Deletes values older than {@code cutoffMs} in chunks of about {@code chunk} rows, each its own
   * short transaction; returns how many rows went.
   */
  long deleteOlderThan(long cutoffMs, int chunk) throws SQLException {
    long deleted = 0;
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(true);
      while (true) {
        long bound = cutoffMs;
        try (PreparedStatement find = connection.prepareStatement("SELECT ts_ms FROM " + Schema.TABLE
            + " WHERE ts_ms < ? ORDER BY ts_ms LIMIT 1 OFFSET " + chunk)) {
          find.setLong(1, cutoffMs);
          try (ResultSet rows = find.executeQuery()) {
            if (rows.next()) bound = Math.max(rows.getLong(1), Long.MIN_VALUE + 1);
          }
        }
        try (PreparedStatement delete = connection.prepareStatement(
            "DELETE FROM " + Schema.TABLE + " WHERE ts_ms < ?")) {
          delete.setLong(1, bound == cutoffMs ? cutoffMs : bound + 1);
          int count = delete.executeUpdate();
          deleted += count;
          if (bound == cutoffMs || count == 0) {
            deleteMinutesBefore(connection, Math.floorDiv(cutoffMs, 60_000) * 60_000);
            return deleted;
          }
        }
      }
    }
  }
}
