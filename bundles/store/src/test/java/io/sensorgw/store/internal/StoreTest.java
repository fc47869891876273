package io.sensorgw.store.internal;

import static io.sensorgw.store.internal.StoreTestSupport.reading;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.store.internal.StoreTestSupport.SwitchableDataSource;
import io.sensorgw.testing.Await;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every test runs against H2 and against a real PostgreSQL. */
class StoreTest {
  static java.util.stream.Stream<String> databases() {
    return StoreTestSupport.databases();
  }

  private static final long T0 = 1_794_999_960_000L; // a minute boundary: T0 % 60000 == 0

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void writesInBatchesAndPagesTheHistoryInOrder(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "paging");
    try (BatchWriter writer = new BatchWriter(db, 100, Duration.ofMillis(50), 10_000, "t")) {
      writer.start();
      for (int i = 1; i <= 250; i++) writer.offer(reading("s1", i, T0 + i * 10L, i));
      writer.offer(reading("other", 1, T0, 5));
      Await.until(() -> writer.metrics().get("written").longValue() == 251, "251 readings written");
      assertEquals(502L, writer.metrics().get("rows"));
      assertTrue(writer.metrics().get("batches").longValue() >= 3);
      assertEquals(
          BatchWriter.METRIC_DESCRIPTIONS.keySet(),
          writer.metrics().keySet(),
          "every metric described, so /metrics knows counters from gauges");
    }
    History history = new History(db);
    Map<String, Object> first = history.readings("s1", T0, T0 + 10_000, null, 100);
    List<?> readings = (List<?>) first.get("readings");
    assertEquals(100, readings.size());
    assertEquals(1L, ((Map<?, ?>) readings.get(0)).get("sequence"));
    assertEquals(
        Map.of("value", 1.0, "unit", "cm"),
        ((Map<?, ?>) ((Map<?, ?>) readings.get(0)).get("values")).get("distance"));
    String next = (String) first.get("next");
    assertEquals((T0 + 1000) + ":100", next);

    Map<String, Object> second =
        history.readings("s1", T0, T0 + 10_000, History.Cursor.parse(next), 200);
    List<?> rest = (List<?>) second.get("readings");
    assertEquals(150, rest.size());
    assertEquals(101L, ((Map<?, ?>) rest.get(0)).get("sequence"));
    assertEquals(250L, ((Map<?, ?>) rest.get(149)).get("sequence"));
    assertNull(second.get("next"), "last page");
    // The time window is half-open: [from, to).
    assertEquals(
        9,
        ((List<?>) history.readings("s1", T0 + 10, T0 + 100, null, 1000).get("readings")).size());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void bucketsGiveMinAvgMaxPerMinute(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "buckets");
    try (BatchWriter writer = new BatchWriter(db, 1000, Duration.ofMillis(20), 10_000, "t")) {
      writer.start();
      // One reading a second for 3 minutes; distance = seconds since T0.
      for (int s = 0; s < 180; s++) writer.offer(reading("s1", s + 1, T0 + s * 1000L, s));
      Await.until(() -> writer.metrics().get("written").longValue() == 180, "180 written");
    }
    Map<String, Object> result = new History(db).buckets("s1", T0, T0 + 180_000, 60_000, 100);
    List<?> buckets = (List<?>) result.get("buckets");
    assertEquals(3, buckets.size());
    for (int minute = 0; minute < 3; minute++) {
      Map<?, ?> bucket = (Map<?, ?>) buckets.get(minute);
      Map<?, ?> distance = (Map<?, ?>) ((Map<?, ?>) bucket.get("values")).get("distance");
      assertEquals(60.0 * minute, distance.get("min"));
      assertEquals(60.0 * minute + 59, distance.get("max"));
      assertEquals(60.0 * minute + 29.5, (Double) distance.get("avg"), 1e-9);
      assertEquals(60L, distance.get("count"));
      assertEquals("cm", distance.get("unit"));
    }
    assertEquals(
        java.time.Instant.ofEpochMilli(T0 + 60_000).toString(),
        ((Map<?, ?>) buckets.get(1)).get("start"));

    // A window that cuts minutes: edges from raw rows, whole minutes from the rollup; same answer
    // as aggregating the raw rows alone (10 s buckets never use the rollup).
    Map<String, Object> cut =
        new History(db).buckets("s1", T0 + 30_500, T0 + 150_500, 120_000, 100);
    Map<?, ?> first =
        (Map<?, ?>)
            ((Map<?, ?>) ((Map<?, ?>) ((List<?>) cut.get("buckets")).get(0)).get("values"))
                .get("distance");
    assertEquals(31.0, first.get("min")); // seconds 31..119 fall in [T0, T0 + 120 s)
    assertEquals(119.0, first.get("max"));
    assertEquals(89L, first.get("count"));
    Map<?, ?> second =
        (Map<?, ?>)
            ((Map<?, ?>) ((Map<?, ?>) ((List<?>) cut.get("buckets")).get(1)).get("values"))
                .get("distance");
    assertEquals(120.0, second.get("min")); // seconds 120..150
    assertEquals(150.0, second.get("max"));
    assertEquals(31L, second.get("count"));
    assertEquals(135.0, (Double) second.get("avg"), 1e-9);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void anOutageKeepsABoundedBacklogAndWritesItAfterRecovery(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "outage");
    // No max delay: a batch goes out only when full, so the batch being retried is exactly the
    // first 50 however slowly this thread offers them (a 20 ms delay cut it short when it stalled).
    try (BatchWriter writer = new BatchWriter(db, 50, Duration.ofHours(1), 300, "t")) {
      writer.start();
      Await.until(() -> writer.database().isOpen(), "the writer opened the database");
      db.down = true;
      for (int i = 1; i <= 50; i++) writer.offer(reading("s1", i, T0 + i, i));
      Await.until(
          () -> writer.metrics().get("failures").longValue() >= 1, "the first batch failed");
      for (int i = 51; i <= 400; i++) writer.offer(reading("s1", i, T0 + i, i));
      // 400 offered, at most 300 held plus the batch being retried: the oldest were dropped.
      long dropped = writer.metrics().get("dropped").longValue();
      assertEquals(50, dropped, "400 offered, 50 in the batch being retried, 300 held");
      db.down = false;
      Await.until(
          () -> writer.metrics().get("written").longValue() == 400 - dropped,
          "backlog written after recovery");
      assertEquals(0, writer.metrics().get("backlog").intValue());
      assertEquals(
          0L, writer.metrics().get("deadLetters"), "an unreachable database sets nothing aside");
    }
    Map<String, Object> stored = new History(db).readings("s1", T0, T0 + 1000, null, 1000);
    List<?> readings = (List<?>) stored.get("readings");
    // What survived: the batch that was being retried (the first 50), then the newest 300, in
    // order.
    assertEquals(350, readings.size());
    for (int i = 0; i < 50; i++)
      assertEquals(1L + i, ((Map<?, ?>) readings.get(i)).get("sequence"));
    for (int i = 50; i < 350; i++)
      assertEquals(51L + i, ((Map<?, ?>) readings.get(i)).get("sequence"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void closeFlushesWhatIsQueued(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "flush");
    BatchWriter writer = new BatchWriter(db, 10_000, Duration.ofHours(1), 10_000, "t");
    writer.start();
    for (int i = 1; i <= 1234; i++) writer.offer(reading("s1", i, T0 + i, i));
    assertTrue(writer.close(StoreTestSupport.BOUND)); // returns once flushed
    assertEquals(1234L, writer.metrics().get("written"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void closeDuringAnOutageTriesOnceMoreAndWritesWhatIsQueued(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "close-in-outage");
    BatchWriter writer = new BatchWriter(db, 10, Duration.ofHours(1), 1000, "t");
    writer.start();
    Await.until(() -> writer.database().isOpen(), "the writer opened the database");
    db.down = true;
    for (int i = 1; i <= 25; i++) writer.offer(reading("s1", i, T0 + i, i));
    // Three failures: the writer is now most likely in a pause of a second or more.
    Await.until(() -> writer.metrics().get("failures").longValue() >= 3, "three failed attempts");
    db.down = false;
    assertTrue(writer.close(StoreTestSupport.BOUND), "closing ends the pause and the thread");
    assertEquals(25L, writer.metrics().get("written"), "the one more try wrote all");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void retentionDeletesInChunks(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "retention");
    try (BatchWriter writer = new BatchWriter(db, 1000, Duration.ofMillis(20), 10_000, "t")) {
      writer.start();
      for (int i = 0; i < 1000; i++) writer.offer(reading("s1", i + 1, T0 + i, i));
      Await.until(() -> writer.metrics().get("written").longValue() == 1000, "written");
    }
    History history = new History(db);
    assertEquals(1200, history.deleteOlderThan(T0 + 600, 100), "600 readings x 2 values");
    assertEquals(
        1,
        ((List<?>) history.buckets("s1", T0, T0 + 60_000, 60_000, 10).get("buckets")).size(),
        "the minute still partly kept keeps its rollup");
    assertEquals(
        400,
        ((List<?>) history.readings("s1", T0, T0 + 2000, null, 10_000).get("readings")).size());
    // Retention looks rows up by time alone in both tables: an index leads with that column.
    try (Connection connection = db.getConnection()) {
      assertTrue(
          leadingIndexColumns(connection, Schema.TABLE).contains("ts_ms"),
          "an index on ts_ms: " + leadingIndexColumns(connection, Schema.TABLE));
      assertTrue(
          leadingIndexColumns(connection, Schema.MINUTES).contains("minute_ms"),
          "an index on minute_ms: " + leadingIndexColumns(connection, Schema.MINUTES));
    }
  }

  /** The first column of each index on the table, lower case. */
  private static java.util.Set<String> leadingIndexColumns(Connection connection, String table)
      throws SQLException {
    java.util.Set<String> columns = new java.util.TreeSet<>();
    java.sql.DatabaseMetaData meta = connection.getMetaData();
    for (String name : List.of(table, table.toUpperCase(java.util.Locale.ROOT))) {
      try (java.sql.ResultSet rows = meta.getIndexInfo(null, null, name, false, false)) {
        while (rows.next()) {
          if (rows.getShort("ORDINAL_POSITION") == 1) {
            columns.add(rows.getString("COLUMN_NAME").toLowerCase(java.util.Locale.ROOT));
          }
        }
      }
    }
    return columns;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aNewerSchemaIsRefusedAndLeftAlone(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "newer");
    try (Connection connection = db.getConnection();
        Statement statement = connection.createStatement()) {
      assertEquals(
          Schema.latestVersion(), Schema.migrate(connection), "second migrate finds it current");
      statement.execute("UPDATE sensorgw_schema SET version = 99");
      try {
        SQLException error = assertThrows(SQLException.class, () -> Schema.migrate(connection));
        assertTrue(error.getMessage().contains("newer than this store knows"), error.getMessage());
        assertEquals(99, Schema.currentVersion(statement));
      } finally { // the shared test database stays usable for the tests after this one
        statement.execute("UPDATE sensorgw_schema SET version = " + Schema.latestVersion());
      }
    }
  }
}
