package io.sensorgw.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FailuresTest {
  static java.util.stream.Stream<String> databases() {
    return StoreTestSupport.databases();
  }

  @Test
  void aPoolTimeoutNamesWhatReallyFailed() {
    SQLException corrupt =
        new SQLException("File corrupted while reading record: data/readings.mv.db");
    SQLException timeout =
        new SQLTransientConnectionException("pool - Connection is not available", "08001", corrupt);
    assertEquals(
        "pool - Connection is not available; cause: File corrupted while reading record: data/readings.mv.db",
        Failures.describe(timeout));
    assertEquals(Failures.Kind.UNREACHABLE, Failures.classify(timeout));
  }

  @Test
  void aPlainFailureIsItsMessage() {
    assertEquals("disk full", Failures.describe(new SQLException("disk full")));
    assertEquals(
        "x: disk full",
        Failures.describe(new SQLException("x: disk full", new SQLException("disk full"))));
    assertEquals(Failures.Kind.OTHER, Failures.classify(new SQLException("something")));
    assertEquals(Failures.Kind.OTHER, Failures.classify(new IllegalStateException("driver bug")));
  }

  /**
   * What the real drivers throw for a batch with a bad row: class 22 on the batch exception or its
   * next.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void theDriversReportABadRowInABatchAsBadData(String kind) throws Exception {
    StoreTestSupport.SwitchableDataSource db = StoreTestSupport.database(kind, "classify");
    try (Connection connection = db.getConnection()) {
      connection.setAutoCommit(false);
      SQLException tooLong =
          assertThrows(
              SQLException.class,
              () -> {
                try (PreparedStatement insert = connection.prepareStatement(BatchWriter.INSERT)) {
                  for (int i = 0; i < 3; i++) {
                    insert.setString(1, i == 1 ? "x".repeat(129) : "ok");
                    insert.setLong(2, i);
                    insert.setLong(3, i);
                    insert.setString(4, "v");
                    insert.setDouble(5, i);
                    insert.setString(6, "");
                    insert.setString(7, "ok");
                    insert.setString(8, null);
                    insert.addBatch();
                  }
                  insert.executeBatch();
                }
              });
      connection.rollback();
      assertEquals(Failures.Kind.BAD_DATA, Failures.classify(tooLong), Failures.describe(tooLong));
      assertEquals("22001", Failures.badDataState(tooLong));
      String reason = Failures.badDataReason(tooLong, 200);
      assertTrue(reason.toLowerCase().contains("too long"), reason);
      assertTrue(reason.length() <= 200, reason);

      SQLException missing =
          assertThrows(
              SQLException.class,
              () -> {
                try (Statement statement = connection.createStatement()) {
                  statement.executeQuery("SELECT * FROM sensorgw_no_such_table");
                }
              });
      connection.rollback();
      assertEquals(
          Failures.Kind.SCHEMA_MISSING, Failures.classify(missing), Failures.describe(missing));
    }
  }

  @Test
  void h2ClosedUnderAConnectionIsClosed() throws Exception {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:closing;DB_CLOSE_DELAY=-1");
    try (Connection kept = h2.getConnection()) {
      try (Connection other = h2.getConnection();
          Statement statement = other.createStatement()) {
        statement.execute("SHUTDOWN");
      }
      SQLException closed =
          assertThrows(SQLException.class, () -> kept.createStatement().executeQuery("SELECT 1"));
      assertEquals(Failures.Kind.CLOSED, Failures.classify(closed), Failures.describe(closed));
    }
  }

  @Test
  void postgresCancelledByItsQueryTimeoutIsATimeout() throws Exception {
    StoreTestSupport.SwitchableDataSource db = StoreTestSupport.database("postgresql", "timeout");
    try (Connection connection = db.getConnection();
        Statement statement = connection.createStatement()) {
      statement.setQueryTimeout(1);
      SQLException cancelled =
          assertThrows(SQLException.class, () -> statement.execute("SELECT pg_sleep(10)"));
      assertEquals(
          Failures.Kind.TIMEOUT, Failures.classify(cancelled), Failures.describe(cancelled));
    }
  }
}
