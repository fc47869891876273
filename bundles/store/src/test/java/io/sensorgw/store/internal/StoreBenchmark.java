package io.sensorgw.store.internal;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Store benchmarks, printing figures: insert throughput through the batch writer into H2 (file) and
 * PostgreSQL at batch sizes 1, 100 and 1000, then {@code every=1m} buckets over one day of a 10 Hz
 * sensor (864,000 readings). Run with runtime/bench/store.
 */
public final class StoreBenchmark {
  private static final long DAY_START = 1_794_960_000_000L; // midnight UTC

  public static void main(String[] args) throws Exception {
    JdbcDataSource h2 = new JdbcDataSource();
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("store-bench");
    h2.setURL("jdbc:h2:file:" + dir.resolve("bench") + ";DB_CLOSE_ON_EXIT=FALSE");
    h2.setUser("sa");
    PGSimpleDataSource pg = new PGSimpleDataSource();
    pg.setURL(System.getenv("SENSORGW_TEST_PG_URL"));
    pg.setUser(System.getenv("SENSORGW_TEST_PG_USER"));
    pg.setPassword(System.getenv("SENSORGW_TEST_PG_PASSWORD"));
    for (var db : Map.of("H2", (DataSource) h2, "PostgreSQL", pg).entrySet()) {
      reset(db.getValue());
      for (int batch : new int[] {1, 100, 1000}) {
        int readings = batch == 1 ? 2_000 : batch == 100 ? 20_000 : 200_000;
        double seconds = insert(db.getValue(), "bench-" + batch, readings, batch, DAY_START);
        System.out.printf(
            "%-10s batch %4d: %,9.0f rows/s (%,d rows in %.2f s)%n",
            db.getKey(), batch, readings / seconds, readings, seconds);
      }
      insert(db.getValue(), "day-10hz", 864_000, 1000, DAY_START);
      History history = new History(db.getValue());
      double[] millis = new double[7];
      for (int i = 0; i < millis.length; i++) {
        long start = System.nanoTime();
        Map<String, Object> result =
            history.buckets("day-10hz", DAY_START, DAY_START + 86_400_000L, 60_000, 10_000);
        millis[i] = (System.nanoTime() - start) / 1e6;
        if (((java.util.List<?>) result.get("buckets")).size() != 1440)
          throw new AssertionError("1440 buckets expected");
      }
      Arrays.sort(millis);
      System.out.printf(
          "%-10s every=1m over 864,000 readings (1440 buckets): median %.0f ms, best %.0f ms%n",
          db.getKey(), millis[millis.length / 2], millis[0]);
    }
  }

  private static void reset(DataSource db) throws Exception {
    try (Connection connection = db.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS " + Schema.TABLE);
      statement.execute("DROP TABLE IF EXISTS sensorgw_schema");
      Schema.migrate(connection);
    }
  }

  /**
   * Seconds to write {@code count} one-value readings at 10 Hz spacing through the batch writer.
   */
  private static double insert(DataSource db, String sensor, int count, int batch, long start) {
    BatchWriter writer = new BatchWriter(db, batch, Duration.ofMillis(5), count + 1, sensor);
    long begin = System.nanoTime();
    writer.start();
    for (int i = 0; i < count; i++) {
      writer.offer(
          new Reading(
              sensor,
              i + 1,
              Instant.ofEpochMilli(start + i * 100L),
              Map.of("distance", Value.of(i % 400, "cm")),
              Quality.SIMULATED,
              Duration.ZERO,
              ""));
    }
    writer.close(Duration.ofMinutes(10)); // flushes everything queued
    if (writer.metrics().get("written").longValue() != count)
      throw new AssertionError("not all written");
    return (System.nanoTime() - begin) / 1e9;
  }
}
