package io.sensorgw.store.internal;

import static io.sensorgw.store.internal.StoreTestSupport.reading;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.store.internal.StoreTestSupport.SwitchableDataSource;
import io.sensorgw.testing.Await;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Readings the database can never take are set aside (dead letters) and counted; the rest of their
 * batch is written; a transient failure is retried, never set aside. Real H2 and PostgreSQL.
 */
class DeadLetterTest {
  static java.util.stream.Stream<String> databases() {
    return StoreTestSupport.databases();
  }

  private static final long T0 = 1_794_999_960_000L;

  /** A value the test database refuses through a CHECK constraint (state 23513 in both). */
  private static final double REFUSED = 666;

  private static SwitchableDataSource refusingDatabase(String kind, String name) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, name);
    try (Connection connection = db.getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "ALTER TABLE " + Schema.TABLE + " ADD CONSTRAINT test_refused CHECK (num_value <> 666)");
    }
    return db;
  }

  private static List<Long> storedSequences(SwitchableDataSource db, String sensor)
      throws Exception {
    List<Long> sequences = new ArrayList<>();
    for (Object reading :
        (List<?>)
            new History(db).readings(sensor, T0, T0 + 100_000, null, 10_000).get("readings")) {
      sequences.add((Long) ((Map<?, ?>) reading).get("sequence"));
    }
    return sequences;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aBatchWithOneRefusedReadingAmongAHundredWrites99AndCountsOne(String kind) throws Exception {
    SwitchableDataSource db = refusingDatabase(kind, "onebad");
    try (BatchWriter writer = new BatchWriter(db, 100, Duration.ofHours(1), 10_000, "t")) {
      writer.start();
      for (int i = 1; i <= 100; i++) writer.offer(reading("s1", i, T0 + i, i == 37 ? REFUSED : i));
      Await.until(
          () ->
              writer.metrics().get("written").longValue() == 99
                  && writer.metrics().get("deadLetters").longValue() == 1,
          "99 written, 1 set aside");
      assertTrue(writer.metrics().get("batchSplits").longValue() >= 1, "the batch was split");
      assertEquals(0, writer.metrics().get("pending").intValue());
      assertEquals(null, writer.failing(), "refused data is not a write failure");
    }
    List<Long> expected = new ArrayList<>(LongStream.rangeClosed(1, 100).boxed().toList());
    expected.remove(Long.valueOf(37));
    assertEquals(expected, storedSequences(db, "s1"), "every other reading stored once, in order");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void anIdLongerThanTheColumnIsSetAsideAtTheDoorAndOthersAreStored(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "longid");
    String longId = "x".repeat(ReadingCheck.MAX_SENSOR_ID + 1);
    try (BatchWriter writer = new BatchWriter(db, 50, Duration.ofMillis(20), 10_000, "t")) {
      writer.start();
      for (int i = 1; i <= 40; i++) {
        writer.offer(reading(longId, i, T0 + i, i));
        writer.offer(reading("s1", i, T0 + i, i));
      }
      writer.offer(
          reading("bad\nid", 1, T0, 1)); // a control character: never stored, never logged raw
      Await.until(
          () -> writer.metrics().get("written").longValue() == 40,
          "the normal sensor's 40 readings");
      assertEquals(41L, writer.metrics().get("deadLetters"));
      assertEquals(
          0L,
          writer.metrics().get("batchSplits"),
          "refused at the door, the database never saw them");
      assertEquals(0L, writer.metrics().get("failures"));
    }
    assertEquals(LongStream.rangeClosed(1, 40).boxed().toList(), storedSequences(db, "s1"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aConnectionLostWhileSplittingIsRetriedWithoutLossOrDuplicates(String kind) throws Exception {
    SwitchableDataSource db = refusingDatabase(kind, "midsplit");
    try (BatchWriter writer = new BatchWriter(db, 100, Duration.ofHours(1), 10_000, "t")) {
      writer.start();
      Await.until(() -> writer.database().isOpen(), "the writer opened the database");
      // Connection 1 writes the whole batch (refused), 2 the first half (written), 3 the second
      // half: it fails as if the server went away. The second half must be retried, the first
      // never written again.
      db.failingConnection.set(3);
      for (int i = 1; i <= 100; i++) writer.offer(reading("s1", i, T0 + i, i == 80 ? REFUSED : i));
      Await.until(
          () ->
              writer.metrics().get("written").longValue() == 99
                  && writer.metrics().get("deadLetters").longValue() == 1,
          "99 written, 1 set aside");
      assertTrue(
          writer.metrics().get("failures").longValue() >= 1, "the lost connection was a failure");
    }
    List<Long> expected = new ArrayList<>(LongStream.rangeClosed(1, 100).boxed().toList());
    expected.remove(Long.valueOf(80));
    assertEquals(expected, storedSequences(db, "s1"), "each reading stored exactly once");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void anUnreachableDatabaseIsRetriedNeverSetAside(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "transient");
    try (BatchWriter writer = new BatchWriter(db, 100, Duration.ofMillis(20), 10_000, "t")) {
      writer.start();
      Await.until(() -> writer.database().isOpen(), "the writer opened the database");
      db.down = true;
      for (int i = 1; i <= 100; i++) writer.offer(reading("s1", i, T0 + i, i));
      Await.until(() -> writer.metrics().get("failures").longValue() >= 2, "two failed attempts");
      assertEquals(0L, writer.metrics().get("deadLetters"));
      assertEquals(0L, writer.metrics().get("written"));
      db.down = false;
      Await.until(
          () -> writer.metrics().get("written").longValue() == 100,
          "all 100 written after recovery");
      assertEquals(0L, writer.metrics().get("deadLetters"));
    }
    assertEquals(LongStream.rangeClosed(1, 100).boxed().toList(), storedSequences(db, "s1"));
  }
}
