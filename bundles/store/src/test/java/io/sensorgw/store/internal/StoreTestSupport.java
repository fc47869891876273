package io.sensorgw.store.internal;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** A real H2 database per test, with a switch that makes it unreachable as a network cut would. */
final class StoreTestSupport {
  private StoreTestSupport() {}

  /**
   * The databases every store test runs against: H2, and the PostgreSQL runtime/bin/test starts.
   */
  static java.util.stream.Stream<String> databases() {
    return java.util.stream.Stream.of("h2", "postgresql");
  }

  /** A fresh, migrated database of that kind. */
  static SwitchableDataSource database(String kind, String name) throws SQLException {
    SwitchableDataSource dataSource = new SwitchableDataSource(target(kind, name));
    try (Connection connection = dataSource.getConnection();
        java.sql.Statement statement = connection.createStatement()) {
      statement.execute("DROP TABLE IF EXISTS " + Schema.TABLE);
      statement.execute("DROP TABLE IF EXISTS " + Schema.MINUTES);
      statement.execute("DROP TABLE IF EXISTS sensorgw_schema");
      Schema.migrate(connection);
    }
    return dataSource;
  }

  /** The store's settings for a test database of that kind: defaults, H2 or PostgreSQL URL. */
  static StoreSettings settings(String kind) {
    return StoreSettings.defaults(
        kind.equals("h2") ? "jdbc:h2:mem:test" : System.getenv("SENSORGW_TEST_PG_URL"));
  }

  /**
   * A store over a test database, writing small batches quickly, its pool waiting 1 s for a
   * connection.
   */
  static ReadingStore store(StoreSettings settings, DataSource dataSource) {
    return new ReadingStore(settings, dataSource, 1_000);
  }

  /** The store's figure {@code name}. */
  static long metric(ReadingStore store, String name) {
    return store.metrics().get(name).longValue();
  }

  private static DataSource target(String kind, String name) {
    DataSource target;
    if (kind.equals("h2")) {
      JdbcDataSource h2 = new JdbcDataSource();
      h2.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
      target = h2;
    } else {
      String url = System.getenv("SENSORGW_TEST_PG_URL");
      if (url == null || url.isBlank()) {
        throw new IllegalStateException(
            "SENSORGW_TEST_PG_URL is not set: run runtime/bin/test, "
                + "which starts PostgreSQL for these tests");
      }
      org.postgresql.ds.PGSimpleDataSource pg = new org.postgresql.ds.PGSimpleDataSource();
      pg.setURL(url);
      pg.setUser(System.getenv("SENSORGW_TEST_PG_USER"));
      pg.setPassword(System.getenv("SENSORGW_TEST_PG_PASSWORD"));
      target = pg;
    }
    return target;
  }

  static Reading reading(String sensor, long seq, long epochMs, double distance) {
    Map<String, Value> values = new LinkedHashMap<>();
    values.put("distance", Value.of(distance, "cm"));
    values.put("amplitude", Value.of(1000 + seq, ""));
    return new Reading(
        sensor, seq, Instant.ofEpochMilli(epochMs), values, Quality.SIMULATED, Duration.ZERO, "");
  }

  /** Bound of every wait: generous for a busy machine; the normal case returns at once. */
  static final Duration BOUND = Duration.ofMinutes(2);

  /**
   * Delegates to a real database; while "down", connections fail like an unreachable server (SQL
   * state 08001, as PgJDBC reports a refused connection), and one chosen connection can fail alone.
   */
  static final class SwitchableDataSource implements DataSource {
    private final DataSource target;
    volatile boolean down;

    /** Counts down with each connection; the one that brings it to 0 fails. */
    final java.util.concurrent.atomic.AtomicInteger failingConnection =
        new java.util.concurrent.atomic.AtomicInteger();

    SwitchableDataSource(DataSource target) {
      this.target = target;
    }

    @Override
    public Connection getConnection() throws SQLException {
      if (down) throw new SQLException("Connection refused (test: database down)", "08001");
      if (failingConnection.get() > 0 && failingConnection.decrementAndGet() == 0) {
        throw new SQLException("Connection refused (test: this one connection)", "08001");
      }
      return target.getConnection();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return target.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      return target.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
      return target.isWrapperFor(type);
    }
  }
}
