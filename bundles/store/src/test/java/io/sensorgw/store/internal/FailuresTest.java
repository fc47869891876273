package io.sensorgw.store.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

class FailuresTest {
  @Test
  void aPoolTimeoutNamesWhatReallyFailed() {
    SQLException corrupt = new SQLException("File corrupted while reading record: data/readings.mv.db");
    SQLException timeout = new SQLTransientConnectionException("pool - Connection is not available", "08001", corrupt);
    assertEquals("pool - Connection is not available; cause: File corrupted while reading record: data/readings.mv.db",
        Failures.describe(timeout));
  }

  @Test
  void aPlainFailureIsItsMessage() {
    assertEquals("disk full", Failures.describe(new SQLException("disk full")));
    assertEquals("x: disk full", Failures.describe(new SQLException("x: disk full", new SQLException("disk full"))));
  }
}
