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

  /** min/avg/max/count per value name in buckets of {@code bucketMs}, oldest first. */
  Map<String, Object> buckets(String sensorId, long fromMs, long toMs, long bucketMs, int limit)
      throws SQLException {
    // The bucket width is a parsed number, inlined so GROUP BY and SELECT use the same expression.
    String bucket = "(ts_ms / " + bucketMs + ") * " + bucketMs;
    String sql = "SELECT " + bucket + " AS bucket, name, MIN(num_value), AVG(num_value), "
        + "MAX(num_value), COUNT(*), MIN(unit) FROM " + Schema.TABLE
        + " WHERE sensor_id = ? AND ts_ms >= ? AND ts_ms < ? GROUP BY " + bucket + ", name"
        + " ORDER BY bucket, name";
    List<Map<String, Object>> buckets = new ArrayList<>();
    try (Connection connection = dataSource.getConnection();
        PreparedStatement query = connection.prepareStatement(sql)) {
      query.setString(1, sensorId);
      query.setLong(2, fromMs);
      query.setLong(3, toMs);
      try (ResultSet rows = query.executeQuery()) {
        Map<String, Object> current = null;
        long currentStart = Long.MIN_VALUE;
        while (rows.next()) {
          long start = rows.getLong(1);
          if (start != currentStart) {
            if (buckets.size() == limit) break;
            current = new LinkedHashMap<>();
            current.put("start", Instant.ofEpochMilli(start).toString());
            current.put("values", new LinkedHashMap<String, Object>());
            buckets.add(current);
            currentStart = start;
          }
          Map<String, Object> stats = new LinkedHashMap<>();
          stats.put("min", rows.getDouble(3));
          stats.put("avg", rows.getDouble(4));
          stats.put("max", rows.getDouble(5));
          stats.put("count", rows.getLong(6));
          stats.put("unit", rows.getString(7));
          @SuppressWarnings("unchecked")
          Map<String, Object> values = (Map<String, Object>) current.get("values");
          values.put(rows.getString(2), stats);
        }
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("sensor", sensorId);
    result.put("from", Instant.ofEpochMilli(fromMs).toString());
    result.put("to", Instant.ofEpochMilli(toMs).toString());
    result.put("everyMs", bucketMs);
    result.put("buckets", buckets);
    return result;
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
          if (bound == cutoffMs || count == 0) return deleted;
        }
      }
    }
  }
}
