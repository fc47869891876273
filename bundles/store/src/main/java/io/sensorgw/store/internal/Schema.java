package io.sensorgw.store.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's tables and their versions. Each migration runs once, in its own transaction, in
 * order; a database whose schema is newer than this bundle knows is left untouched and refused. One
 * narrow table of numeric values (SQL can aggregate them), indexed by sensor, time, sequence and
 * name, and a per-minute rollup of it; the integer time columns also suit TimescaleDB hypertables.
 */
final class Schema {
  private Schema() {}

  static final String TABLE = "sensorgw_reading_value";

  /**
   * Per-minute min/max/sum/count of each value, kept by the writer, so buckets need not scan raw
   * rows.
   */
  static final String MINUTES = "sensorgw_minute";

  /** Migration n brings the schema from version n to n + 1. */
  static final List<List<String>> MIGRATIONS =
      List.of(
          List.of(
              "CREATE TABLE "
                  + TABLE
                  + " ("
                  + "sensor_id VARCHAR(128) NOT NULL, "
                  + "ts_ms BIGINT NOT NULL, "
                  + "seq BIGINT NOT NULL, "
                  + "name VARCHAR(64) NOT NULL, "
                  + "num_value DOUBLE PRECISION NOT NULL, "
                  + "unit VARCHAR(16) NOT NULL, "
                  + "quality VARCHAR(16) NOT NULL, "
                  + "message VARCHAR(512))",
              "CREATE INDEX " + TABLE + "_sensor_ts ON " + TABLE + " (sensor_id, ts_ms)"),
          List.of(
              "CREATE TABLE "
                  + MINUTES
                  + " ("
                  + "sensor_id VARCHAR(128) NOT NULL, "
                  + "minute_ms BIGINT NOT NULL, "
                  + "name VARCHAR(64) NOT NULL, "
                  + "min_value DOUBLE PRECISION NOT NULL, "
                  + "max_value DOUBLE PRECISION NOT NULL, "
                  + "sum_value DOUBLE PRECISION NOT NULL, "
                  + "count_value BIGINT NOT NULL, "
                  + "unit VARCHAR(16) NOT NULL, "
                  + "PRIMARY KEY (sensor_id, minute_ms, name))",
              "INSERT INTO "
                  + MINUTES
                  + " SELECT sensor_id, (ts_ms / 60000) * 60000, name, MIN(num_value), "
                  + "MAX(num_value), SUM(num_value), COUNT(*), MIN(unit) FROM "
                  + TABLE
                  + " GROUP BY sensor_id, (ts_ms / 60000) * 60000, name"),
          // A page of readings is read in this index's order with a row limit, never sorted; the
          // (sensor_id, ts_ms) index is a prefix of it.
          List.of(
              "CREATE INDEX " + TABLE + "_key ON " + TABLE + " (sensor_id, ts_ms, seq, name)",
              "DROP INDEX " + TABLE + "_sensor_ts"),
          // Retention finds and deletes the oldest rows of every sensor by time alone: without
          // these
          // it scanned and sorted both tables every hour.
          List.of(
              "CREATE INDEX " + TABLE + "_ts ON " + TABLE + " (ts_ms)",
              "CREATE INDEX " + MINUTES + "_minute ON " + MINUTES + " (minute_ms)"));

  static int latestVersion() {
    return MIGRATIONS.size();
  }

  /** Brings the database to the latest version; returns the version found before. */
  static int migrate(Connection connection) throws SQLException {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try (Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE IF NOT EXISTS sensorgw_schema (version INTEGER NOT NULL)");
      connection.commit();
      int found = currentVersion(statement);
      if (found > latestVersion()) {
        throw new SQLException(
            "database schema version "
                + found
                + " is newer than this store knows ("
                + latestVersion()
                + "); refusing to touch it. Use a newer io.sensorgw.store bundle.");
      }
      for (int version = found; version < latestVersion(); version++) {
        for (String sql : MIGRATIONS.get(version)) statement.execute(sql);
        statement.execute("DELETE FROM sensorgw_schema");
        statement.execute("INSERT INTO sensorgw_schema (version) VALUES (" + (version + 1) + ")");
        connection.commit();
      }
      return found;
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(autoCommit);
    }
  }

  static int currentVersion(Statement statement) throws SQLException {
    try (ResultSet rows = statement.executeQuery("SELECT MAX(version) FROM sensorgw_schema")) {
      return rows.next() ? rows.getInt(1) : 0;
    }
  }
}
