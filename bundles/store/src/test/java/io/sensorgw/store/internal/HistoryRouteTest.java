package io.sensorgw.store.internal;

import static io.sensorgw.store.internal.StoreTestSupport.metric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import io.sensorgw.concurrent.ManagedExecutor;
import io.sensorgw.store.internal.StoreTestSupport.SwitchableDataSource;
import io.sensorgw.testing.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The history route's answers, on a real store over H2 and PostgreSQL. */
class HistoryRouteTest {
  static java.util.stream.Stream<String> databases() {
    return StoreTestSupport.databases();
  }

  private static final long T0 = 1_794_999_960_000L;
  private static final Instant NOW = Instant.ofEpochMilli(T0 + 3_600_000);

  private final ManagedExecutor executor = new ManagedExecutor("test-queries", 2, 16);
  private final List<ReadingStore> stores = new ArrayList<>();

  @AfterEach
  void stop() {
    stores.forEach(ReadingStore::deactivate);
    executor.close(Duration.ofMinutes(2));
  }

  private ReadingStore store(StoreSettings settings, SwitchableDataSource db) {
    ReadingStore store = StoreTestSupport.store(settings, db);
    stores.add(store);
    return store;
  }

  private static StoreSettings fast(String kind) {
    return StoreTestSupport.settings(kind).withBatch(100, 20, 10_000);
  }

  private HistoryRoute.Answer get(HistoryRoute route, String rawId, String query) throws Exception {
    Map<String, String> parameters = new HashMap<>();
    for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
      int equals = pair.indexOf('=');
      parameters.put(
          pair.substring(0, equals),
          java.net.URLDecoder.decode(pair.substring(equals + 1), "UTF-8"));
    }
    return route.get(rawId, parameters::get, NOW).toCompletableFuture().get(2, TimeUnit.MINUTES);
  }

  private static String error(HistoryRoute.Answer answer) {
    return String.valueOf(((Map<?, ?>) answer.body()).get("error"));
  }

  private static Reading reading(String sensor, long seq, long epochMs, int valueCount) {
    Map<String, Value> values = new LinkedHashMap<>();
    for (int v = 0; v < valueCount; v++) values.put("v" + v, Value.of(seq * 100 + v, "u"));
    return new Reading(
        sensor, seq, Instant.ofEpochMilli(epochMs), values, Quality.SIMULATED, Duration.ZERO, "");
  }

  private void write(ReadingStore store, List<Reading> readings) {
    long before = metric(store, "written");
    readings.forEach(store::onReading);
    Await.until(
        () -> metric(store, "written") == before + readings.size(),
        readings.size() + " readings written");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void boundsAreRefusedWith400NamingTheBound(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "bounds");
    ReadingStore store = store(fast(kind), db);
    HistoryRoute route = new HistoryRoute(store, Set.of("s1")::contains, executor);

    HistoryRoute.Answer buckets = get(route, "s1", "every=1ms&from=0");
    assertEquals(400, buckets.status());
    assertTrue(error(buckets).contains("more than 10000 (max.buckets)"), error(buckets));
    assertEquals(400, ((Map<?, ?>) buckets.body()).get("status"));
    // Exactly at the bound is fine: 10000 buckets of 1 s.
    assertEquals(
        400, get(route, "s1", "every=1s&from=" + (T0 - 1) + "&to=" + (T0 + 10_000_000)).status());
    Await.until(() -> store.database().isOpen(), "store open");
    assertEquals(
        200, get(route, "s1", "every=1s&from=" + T0 + "&to=" + (T0 + 10_000_000)).status());

    HistoryRoute.Answer limit = get(route, "s1", "limit=10001");
    assertEquals(400, limit.status());
    assertTrue(error(limit).contains("from 1 to 10000 (max.limit)"), error(limit));
    assertEquals(200, get(route, "s1", "limit=10000").status());

    // Bounds are settings.
    ReadingStore narrow = store(fast(kind).withQueryBounds(50, 20, 5), db);
    HistoryRoute narrowRoute = new HistoryRoute(narrow, Set.of("s1")::contains, executor);
    assertTrue(
        error(get(narrowRoute, "s1", "every=1m&from=0")).contains("more than 50 (max.buckets)"));
    assertTrue(error(get(narrowRoute, "s1", "limit=21")).contains("from 1 to 20 (max.limit)"));
    assertTrue(metric(store, "historyRefused") >= 2);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void badDatesAreRefusedWith400(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "dates");
    ReadingStore store = store(fast(kind), db);
    HistoryRoute route = new HistoryRoute(store, Set.of("s1")::contains, executor);
    for (String bad :
        List.of(
            "from=+1000000000-01-01T00:00:00Z",
            "to=-1000000000-01-01T00:00:00Z",
            "from=99999999999999999999",
            "to=253402300800000",
            "from=-5",
            "from=yesterday",
            "from=2000&to=1000",
            "after=nonsense",
            "after=1:x",
            "every=5x",
            "every=367d",
            "every=99999999999999999999ms",
            "limit=0",
            "limit=many")) {
      HistoryRoute.Answer answer = get(route, "s1", bad);
      assertEquals(400, answer.status(), bad + ": " + answer.body());
      assertTrue(error(answer).length() < 400, "a bounded message: " + error(answer));
    }
    assertTrue(
        error(get(route, "s1", "from=+1000000000-01-01T00:00:00Z"))
            .contains("from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void theIdIsDecodedAndAnUnknownSensorIs404(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "ids");
    ReadingStore store = store(fast(kind), db);
    Set<String> registered =
        new java.util.concurrent.CopyOnWriteArraySet<>(Set.of("registered-empty"));
    HistoryRoute route = new HistoryRoute(store, registered::contains, executor);
    write(store, List.of(reading("front left", 1, T0, 2), reading("ünï/cødé", 1, T0, 1)));

    HistoryRoute.Answer spaced = get(route, "front%20left", "from=0");
    assertEquals(200, spaced.status(), String.valueOf(spaced.body()));
    assertEquals(1, ((Map<?, ?>) spaced.body()).get("count"));
    assertEquals("front left", ((Map<?, ?>) spaced.body()).get("sensor"));
    assertEquals(200, get(route, "%C3%BCn%C3%AF%2Fc%C3%B8d%C3%A9", "from=0").status());
    assertEquals(200, get(route, "front%20left", "from=" + T0 + "&every=1h").status());

    // Not registered, nothing stored: 404, readings and buckets alike.
    HistoryRoute.Answer unknown = get(route, "nobody", "from=0");
    assertEquals(404, unknown.status());
    assertTrue(error(unknown).contains("'nobody'"), error(unknown));
    assertEquals(404, get(route, "nobody", "from=" + T0 + "&every=1h").status());
    // Registered now, nothing stored yet: an empty history.
    assertEquals(200, get(route, "registered-empty", "from=0").status());
    // Stored, not registered: known, even where the window holds none of its readings.
    HistoryRoute.Answer emptyWindow = get(route, "front%20left", "from=" + (T0 + 1));
    assertEquals(200, emptyWindow.status());
    assertEquals(0, ((Map<?, ?>) emptyWindow.body()).get("count"));
    // Too long to ever be stored, or not decodable.
    HistoryRoute.Answer tooLong = get(route, "x".repeat(129), "");
    assertEquals(404, tooLong.status());
    assertTrue(error(tooLong).contains("longer than 128"), error(tooLong));
    assertEquals(400, get(route, "bad%zzescape", "").status());
    assertEquals(400, get(route, "%C3%28", "").status(), "not UTF-8");
    assertTrue(metric(store, "historyUnknownSensor") >= 3);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void pagesFollowTheIndexAcrossChunksWhateverTheValuesPerReading(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "chunks");
    ReadingStore store = store(fast(kind), db);
    HistoryRoute route = new HistoryRoute(store, Set.of("s1")::contains, executor);
    List<Reading> readings = new ArrayList<>();
    // 1 to 300 values a reading (a chunk's minimum is 513 rows: several readings span chunks), and
    // readings sharing a millisecond.
    for (int i = 1; i <= 60; i++)
      readings.add(reading("s1", i, T0 + (i / 3) * 10L, i % 7 == 0 ? 256 : 1 + i % 5));
    write(store, readings);
    for (int limit : new int[] {1, 7, 59, 60, 1000}) {
      List<Long> seen = new ArrayList<>();
      String after = null;
      int pages = 0;
      do {
        HistoryRoute.Answer page =
            get(
                route,
                "s1",
                "from=" + T0 + "&limit=" + limit + (after == null ? "" : "&after=" + after));
        assertEquals(200, page.status(), String.valueOf(page.body()));
        Map<?, ?> body = (Map<?, ?>) page.body();
        for (Object r : (List<?>) body.get("readings")) {
          Map<?, ?> reading = (Map<?, ?>) r;
          long seq = (Long) reading.get("sequence");
          assertEquals(
              seq % 7 == 0 ? 256 : 1 + seq % 5,
              ((Map<?, ?>) reading.get("values")).size(),
              "every value of reading " + seq);
          seen.add(seq);
        }
        assertTrue(((List<?>) body.get("readings")).size() <= limit);
        after = (String) body.get("next");
        pages++;
      } while (after != null && pages < 100);
      assertEquals(
          java.util.stream.LongStream.rangeClosed(1, 60).boxed().toList(), seen, "limit " + limit);
      assertEquals((60 + limit - 1) / limit, pages, "no empty last page at limit " + limit);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("databases")
  void whileTheDatabaseCannotBeOpenedQueriesAnswer503WithTheReason(String kind) throws Exception {
    SwitchableDataSource db = StoreTestSupport.database(kind, "closed");
    db.down = true;
    ReadingStore store = store(fast(kind), db);
    HistoryRoute route = new HistoryRoute(store, Set.of("s1")::contains, executor);
    Await.until(
        () -> store.database().phase() == StoreDatabase.Phase.UNREACHABLE,
        "the store found it unreachable");
    HistoryRoute.Answer answer = get(route, "s1", "");
    assertEquals(503, answer.status());
    assertTrue(
        error(answer).contains("database unreachable")
            && error(answer).contains("Connection refused"),
        error(answer));
    assertEquals("5", answer.headers().get("Retry-After"));
    db.down = false;
    Await.until(() -> store.database().isOpen(), "open once reachable");
    assertEquals(200, get(route, "s1", "").status());
  }

  @Test
  void bucketCountCountsEveryBucketTheWindowTouches() {
    assertEquals(0, HistoryRoute.Query.bucketCount(10, 10, 5));
    assertEquals(1, HistoryRoute.Query.bucketCount(0, 5, 5));
    assertEquals(2, HistoryRoute.Query.bucketCount(4, 6, 5));
    assertEquals(10_000, HistoryRoute.Query.bucketCount(0, 10_000, 1));
    assertNull(HistoryRoute.rawSensorId("/api/sensors/a/reading"));
    assertEquals("a%20b", HistoryRoute.rawSensorId("/api/sensors/a%20b/readings/"));
  }
}
