package io.sensorgw.store.internal;

import static io.sensorgw.store.internal.StoreTestSupport.metric;
import static io.sensorgw.store.internal.StoreTestSupport.reading;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.HealthSource.Health;
import io.sensorgw.api.SensorState;
import io.sensorgw.concurrent.ManagedExecutor;
import io.sensorgw.store.internal.StoreTestSupport.SwitchableDataSource;
import io.sensorgw.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The store's state as /health shows it (HealthSource), on real H2 and PostgreSQL. */
class StoreHealthTest {
  static java.util.stream.Stream<String> databases() {
    return StoreTestSupport.databases();
  }

  private static final long T0 = 1_794_999_960_000L;
  private final List<ReadingStore> stores = new ArrayList<>();

  @AfterEach
  void stop() {
    stores.forEach(ReadingStore::deactivate);
  }

  private ReadingStore store(StoreSettings settings, javax.sql.DataSource db) {
    ReadingStore store = StoreTestSupport.store(settings, db);
    stores.add(store);
    return store;
  }

  private static StoreSettings fast(String kind) {
    return StoreTestSupport.settings(kind).withBatch(100, 20, 10_000);
  }

  private static void awaitState(ReadingStore store, SensorState state, String reasonPart) {
    Await.until(
        () -> store.health().state() == state && store.health().reason().contains(reasonPart),
        state + " with '" + reasonPart + "' (last: " + store.health() + ")");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void startsThenIsOk(String kind) throws Exception {
    ReadingStore store = store(fast(kind), StoreTestSupport.database(kind, "ok"));
    assertTrue(
        Set.of(SensorState.STARTING, SensorState.OK).contains(store.health().state()),
        store.health().toString());
    awaitState(store, SensorState.OK, "");
    assertEquals(Health.ok(), store.health());
    assertEquals(1L, metric(store, "up"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void anUnreachableDatabaseIsAnErrorWithItsReasonUntilItIsBack(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "down");
    db.down = true;
    ReadingStore store = store(fast(kind), db);
    store.onReading(reading("s1", 1, T0, 1));
    awaitState(store, SensorState.ERROR, "database unreachable");
    assertTrue(store.health().reason().contains("Connection refused"), store.health().reason());
    assertTrue(store.health().reason().contains("1 readings waiting"), store.health().reason());
    assertEquals(0L, metric(store, "up"));
    db.down = false;
    awaitState(store, SensorState.OK, "");
    Await.until(() -> metric(store, "written") == 1, "the waiting reading written");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void deadLettersMakeItDegradedForTheHoldTime(String kind) throws Exception {
    ReadingStore store =
        store(fast(kind).withHealth(50, 1), StoreTestSupport.database(kind, "dead"));
    awaitState(store, SensorState.OK, "");
    store.onReading(reading("y".repeat(129), 1, T0, 1));
    store.onReading(reading("s1", 1, T0, 1));
    Health degraded = store.health();
    assertEquals(SensorState.DEGRADED, degraded.state(), degraded.toString());
    assertTrue(
        degraded.reason().contains("1 reading set aside as dead letters")
            && degraded.reason().contains("longer than 128 characters (129)"),
        degraded.reason());
    Await.until(() -> metric(store, "written") == 1, "the good reading written");
    awaitState(store, SensorState.OK, ""); // 1 s after the last dead letter
    assertEquals(1L, metric(store, "deadLetters"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aFillingOrFullBacklogIsDegraded(String kind) throws Exception {
    // Batches of 10000 or a minute: nothing is written while the test looks.
    ReadingStore store =
        store(
            fast(kind).withBatch(10_000, 60_000, 100).withHealth(50, 1),
            StoreTestSupport.database(kind, "backlog"));
    awaitState(store, SensorState.OK, "");
    for (int i = 1; i <= 60; i++) store.onReading(reading("s1", i, T0 + i, i));
    assertEquals(
        new Health(SensorState.DEGRADED, "backlog 60 of 100 readings (degraded from 50%)"),
        store.health());
    for (int i = 61; i <= 110; i++) store.onReading(reading("s1", i, T0 + i, i));
    Health full = store.health();
    assertEquals(SensorState.DEGRADED, full.state());
    assertTrue(
        full.reason().startsWith("backlog full (100): 10 oldest readings dropped"), full.reason());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void aSettingOutOfRangeIsAnErrorNamingIt(String kind) throws Exception {
    ReadingStore store =
        store(fast(kind).withQueryBounds(0, 10_000, 15), StoreTestSupport.database(kind, "bad"));
    Health health = store.health();
    assertEquals(SensorState.ERROR, health.state());
    assertEquals("configuration: max.buckets must be from 1 to 1000000, was 0", health.reason());
    ManagedExecutor executor = new ManagedExecutor("test-queries", 1, 4);
    try {
      HistoryRoute.Answer answer =
          new HistoryRoute(store, id -> true, executor)
              .get("s1", name -> null, Instant.now())
              .toCompletableFuture()
              .get(2, TimeUnit.MINUTES);
      assertEquals(503, answer.status());
      assertTrue(
          String.valueOf(((Map<?, ?>) answer.body()).get("error")).contains("max.buckets must be"));
    } finally {
      executor.close(Duration.ofMinutes(2));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void stoppedOnceDeactivated(String kind) throws Exception {
    ReadingStore store =
        StoreTestSupport.store(fast(kind), StoreTestSupport.database(kind, "stop"));
    store.deactivate();
    assertEquals(new Health(SensorState.STOPPED, "store stopped"), store.health());
  }

  /**
   * H2 closing the database under the pool (as it does after an out-of-memory error): the
   * connections Hikari holds are dead, and Hikari keeps them (H2's 90121 is not a state it evicts
   * for). Validation on borrow is put off here, as it is for a connection used within the last 500
   * ms, so that the store itself must notice, replace them and reopen the database.
   */
  @Test
  void h2ClosedUnderThePoolIsReopenedAndNothingIsLost(@TempDir Path dir) throws Exception {
    String url = "jdbc:h2:file:" + dir.resolve("readings") + ";DB_CLOSE_ON_EXIT=FALSE";
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL(url);
    String bypass = "com.zaxxer.hikari.aliveBypassWindowMs";
    System.setProperty(bypass, String.valueOf(TimeUnit.HOURS.toMillis(1)));
    ReadingStore store;
    try {
      store = store(StoreTestSupport.settings("h2").withBatch(100, 20, 10_000), h2);
    } finally {
      System.clearProperty(bypass);
    }
    ManagedExecutor executor = new ManagedExecutor("test-queries", 1, 4);
    try {
      HistoryRoute route = new HistoryRoute(store, id -> true, executor);
      for (int i = 1; i <= 50; i++) store.onReading(reading("s1", i, T0 + i, i));
      Await.until(() -> metric(store, "written") == 50, "50 written");

      try (Connection direct = h2.getConnection();
          Statement statement = direct.createStatement()) {
        statement.execute("SHUTDOWN");
      }
      // The first query meets a dead connection: 503 with the reason, and the store reopens.
      HistoryRoute.Answer first =
          route
              .get("s1", name -> name.equals("from") ? "0" : null, Instant.now())
              .toCompletableFuture()
              .get(2, TimeUnit.MINUTES);
      assertEquals(503, first.status(), String.valueOf(first.body()));
      assertTrue(
          String.valueOf(((Map<?, ?>) first.body()).get("error")).contains("closed"),
          String.valueOf(first.body()));
      Await.until(
          () -> metric(store, "databaseReopens") == 1 && store.health().state() == SensorState.OK,
          "reopened (health " + store.health() + ", metrics " + store.metrics() + ")");

      for (int i = 51; i <= 100; i++) store.onReading(reading("s1", i, T0 + i, i));
      Await.until(() -> metric(store, "written") == 100, "50 more written after the reopen");
      HistoryRoute.Answer all =
          route
              .get("s1", name -> name.equals("from") ? "0" : null, Instant.now())
              .toCompletableFuture()
              .get(2, TimeUnit.MINUTES);
      assertEquals(200, all.status(), String.valueOf(all.body()));
      assertEquals(100, ((Map<?, ?>) all.body()).get("count"));
      assertEquals(0L, metric(store, "deadLetters"));
    } finally {
      executor.close(Duration.ofMinutes(2));
    }
    assertTrue(Files.exists(dir.resolve("readings.mv.db")));
  }
}
