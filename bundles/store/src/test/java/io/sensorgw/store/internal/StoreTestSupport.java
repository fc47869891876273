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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** A real H2 database per test, with a switch that makes it unreachable as a network cut would. */
final class StoreTestSupport {
  private StoreTestSupport() {}

  static SwitchableDataSource h2(String name) throws SQLException {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
    SwitchableDataSource dataSource = new SwitchableDataSource(h2);
    try (Connection connection = dataSource.getConnection()) {
      Schema.migrate(connection);
    }
    return dataSource;
  }

  static Reading reading(String sensor, long seq, long epochMs, double distance) {
    Map<String, Value> values = new LinkedHashMap<>();
    values.put("distance", Value.of(distance, "cm"));
    values.put("amplitude", Value.of(1000 + seq, ""));
    return new Reading(sensor, seq, Instant.ofEpochMilli(epochMs), values, Quality.SIMULATED,
        Duration.ZERO, "");
  }

  static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
      LockSupport.parkNanos(5_000_000);
    }
  }

  /** Delegates to a real database; while "down", connections fail like an unreachable server. */
  static final class SwitchableDataSource implements DataSource {
    private final DataSource target;
    volatile boolean down;

    SwitchableDataSource(DataSource target) {
      this.target = target;
    }

    @Override
    public Connection getConnection() throws SQLException {
      if (down) throw new SQLException("Connection refused (test: database down)");
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
