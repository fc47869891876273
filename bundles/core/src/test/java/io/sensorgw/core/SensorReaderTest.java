package io.sensorgw.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.SensorState;
import io.sensorgw.api.Value;
import io.sensorgw.concurrent.ManagedExecutor;
import io.sensorgw.testing.Await;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SensorReaderTest {
  private final ManagedExecutor executor = new ManagedExecutor("reader", 2, 16);
  private final List<Reading> published = new CopyOnWriteArrayList<>();
  private final AtomicInteger deviceAccesses = new AtomicInteger();

  @AfterEach
  void close() {
    executor.close();
  }

  private static SensorInfo info(Duration maxAge) {
    return new SensorInfo("dev-1", "testdev", "distance", true, maxAge, "unit test");
  }

  private Measurement measure() {
    int n = deviceAccesses.incrementAndGet();
    return Measurement.of(Quality.SIMULATED, Map.of("distance", Value.of(100 + n, "cm")));
  }

  @Test
  void concurrentReadsShareOneDeviceAccess() throws Exception {
    CountDownLatch allReading = new CountDownLatch(1);
    SensorReader reader =
        new SensorReader(
            info(Duration.ZERO),
            executor,
            Duration.ofMinutes(5),
            () -> {
              allReading.await(2, TimeUnit.MINUTES);
              return measure();
            },
            published::add);

    List<CompletableFuture<Reading>> reads = new ArrayList<>();
    for (int i = 0; i < 50; i++) reads.add(reader.read());
    allReading.countDown();

    Reading first = reads.get(0).get(2, TimeUnit.MINUTES);
    for (CompletableFuture<Reading> read : reads) assertSame(first, read.get(2, TimeUnit.MINUTES));
    assertEquals(1, deviceAccesses.get());
    assertEquals(1, reader.stats().acquisitions());
    assertEquals(50, reader.stats().reads());
    assertEquals(List.of(first), published);
    assertEquals(1, first.sequence());
    assertEquals(Quality.SIMULATED, first.quality());
    assertEquals(SensorState.OK, reader.state());
  }

  @Test
  void readingYoungerThanMaxAgeComesFromCache() throws Exception {
    MutableClock clock = new MutableClock();
    SensorReader reader =
        new SensorReader(
            info(Duration.ofMillis(500)),
            executor,
            Duration.ofMinutes(5),
            this::measure,
            published::add,
            clock);

    Reading first = reader.read().get(2, TimeUnit.MINUTES);
    clock.advance(Duration.ofMillis(500));
    assertSame(first, reader.read().get(2, TimeUnit.MINUTES), "at max age: cached");
    clock.advance(Duration.ofMillis(1));
    Reading second = reader.read().get(2, TimeUnit.MINUTES);
    assertNotSame(first, second, "older than max age: fresh");
    assertEquals(2, second.sequence());
    assertEquals(2, deviceAccesses.get());
    assertEquals(1, reader.stats().cacheHits());
  }

  @Test
  void inServeStaleModeAnOldReadingComesAtOnceMarkedStaleWhileOneRefreshRuns() throws Exception {
    MutableClock clock = new MutableClock();
    java.util.concurrent.Semaphore capture = new java.util.concurrent.Semaphore(0);
    SensorReader reader =
        new SensorReader(
                info(Duration.ofMillis(500)),
                executor,
                Duration.ofMinutes(5),
                () -> {
                  capture.acquire();
                  return measure();
                },
                published::add,
                clock)
            .servingStaleWhileRefreshing();

    CompletableFuture<Reading> firstRead = reader.read();
    assertFalse(firstRead.isDone(), "nothing cached: the first read waits for the device");
    capture.release();
    Reading first = firstRead.get(2, TimeUnit.MINUTES);

    clock.advance(Duration.ofSeconds(3));
    List<CompletableFuture<Reading>> during = new ArrayList<>();
    for (int i = 0; i < 20; i++) during.add(reader.read());
    for (CompletableFuture<Reading> read : during) {
      assertTrue(read.isDone(), "answered at once while the device is busy");
      Reading stale = read.get();
      assertEquals(Quality.STALE, stale.quality());
      assertEquals(first.sequence(), stale.sequence());
      assertTrue(stale.message().startsWith("stale: 3.0 s old"), stale.message());
    }
    assertEquals(2, reader.stats().acquisitions(), "one refresh for all twenty");
    assertEquals(20, reader.staleServed());
    capture.release();
    Await.until(
        () -> reader.read().getNow(null),
        r -> r != null && r.sequence() == 2,
        "the refreshed reading");
    assertEquals(Quality.SIMULATED, reader.read().get().quality(), "fresh again");
  }

  @Test
  void aFailedStreamingDeviceFailsReadsAtOnceUntilItOffersAgain() throws Exception {
    SensorReader reader =
        SensorReader.streaming(
            info(Duration.ofHours(1)), executor, Duration.ofMinutes(5), published::add);
    reader.fail(new java.io.IOException("stale: no notification for 700 ms"));
    CompletableFuture<Reading> read = reader.read();
    assertTrue(read.isDone(), "no waiting for a device known to be failed");
    ExecutionException error = assertThrows(ExecutionException.class, read::get);
    assertEquals("stale: no notification for 700 ms", error.getCause().getMessage());
    assertEquals(SensorState.ERROR, reader.state());
    reader.offer(measure(), java.time.Instant.now(), Duration.ZERO);
    assertEquals(SensorState.OK, reader.state());
    assertEquals(1, reader.read().get(2, TimeUnit.MINUTES).sequence(), "back");
  }

  @Test
  void slowDeviceTimesOutAndTheNextReadTriesAgain() throws Exception {
    CountDownLatch interrupted = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    SensorReader reader =
        new SensorReader(
            info(Duration.ZERO),
            executor,
            Duration.ofMillis(100),
            () -> {
              if (calls.incrementAndGet() == 1) {
                try {
                  new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                  interrupted.countDown();
                  throw e;
                }
              }
              return measure();
            },
            published::add);

    ExecutionException error =
        assertThrows(ExecutionException.class, () -> reader.read().get(2, TimeUnit.MINUTES));
    assertInstanceOf(TimeoutException.class, error.getCause());
    assertTrue(interrupted.await(2, TimeUnit.MINUTES), "hung device access interrupted");
    Await.until(reader::state, s -> s == SensorState.ERROR, "state ERROR");
    assertEquals(1, reader.stats().timeouts());

    // The next read tries the device again. Its own 100 ms may run out on a busy machine, so
    // read until one succeeds: what matters is that the reader is not wedged.
    Reading recovered =
        Await.until(
            () -> reader.read().handle((r, e) -> r).join(),
            r -> r != null,
            "a read after the timeout succeeds");
    assertEquals(SensorState.OK, reader.state());
    assertTrue(published.contains(recovered), "the recovered reading was published");
    assertFalse(
        published.stream().anyMatch(r -> r.sequence() < 1), "the hung access published nothing");
  }

  @Test
  void deviceFailureFailsTheStageAndMarksError() {
    SensorReader reader =
        new SensorReader(
            info(Duration.ZERO),
            executor,
            Duration.ofMinutes(5),
            () -> {
              throw new java.io.IOException("port gone");
            },
            published::add);
    ExecutionException error =
        assertThrows(ExecutionException.class, () -> reader.read().get(2, TimeUnit.MINUTES));
    assertEquals("port gone", error.getCause().getMessage());
    Await.until(reader::state, s -> s == SensorState.ERROR, "state ERROR");
    assertTrue(published.isEmpty());
  }

  @Test
  void saturatedExecutorFailsTheReadAtOnceAndDoesNotWedgeTheReader() throws Exception {
    ManagedExecutor tiny = new ManagedExecutor("tiny", 1, 1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      tiny.submit(() -> release.await(2, TimeUnit.MINUTES));
      Await.until(tiny::stats, s -> s.active() == 1, "blocker running");
      tiny.submit(() -> true); // fills the queue
      SensorReader reader =
          new SensorReader(
              info(Duration.ZERO), tiny, Duration.ofMinutes(5), this::measure, published::add);
      CompletableFuture<Reading> rejected = reader.read();
      assertTrue(rejected.isCompletedExceptionally());
      release.countDown();
      Await.until(tiny::stats, s -> s.queued() == 0 && s.active() == 0, "queue drained");
      assertEquals(1, reader.read().get(2, TimeUnit.MINUTES).sequence());
    } finally {
      tiny.close();
    }
  }

  @Test
  void samplingPublishesFreshReadingsUntilClosed() throws Exception {
    SensorReader reader =
        new SensorReader(
            info(Duration.ofHours(1)),
            executor,
            Duration.ofMinutes(5),
            this::measure,
            published::add);
    reader.sampleEvery(Duration.ofMillis(5));
    Await.until(published::size, n -> n >= 3, "three sampled readings");
    reader.close();
    assertEquals(SensorState.STOPPED, reader.state());
    assertTrue(reader.read().isCompletedExceptionally(), "closed reader refuses fresh reads");
    for (int i = 1; i < 3; i++) {
      assertEquals(published.get(i - 1).sequence() + 1, published.get(i).sequence());
    }
  }

  @Test
  void anAcquisitionThatEndsAfterCloseChangesNothingAndPublishesNothing() throws Exception {
    CountDownLatch inDevice = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    SensorReader reader =
        new SensorReader(
            info(Duration.ZERO),
            executor,
            Duration.ofMinutes(5),
            () -> {
              inDevice.countDown();
              release.await(); // the device call is still running when the sensor closes
              return measure();
            },
            published::add);
    CompletableFuture<Reading> read = reader.read();
    assertTrue(inDevice.await(2, TimeUnit.MINUTES), "acquisition entered the device call");

    reader.close();
    release.countDown();

    ExecutionException error =
        assertThrows(ExecutionException.class, () -> read.get(2, TimeUnit.MINUTES));
    assertInstanceOf(IllegalStateException.class, error.getCause());
    assertEquals(1, deviceAccesses.get(), "the device call did finish");
    assertEquals(SensorState.STOPPED, reader.state());
    assertTrue(published.isEmpty(), "nothing published after close: " + published);
    assertEquals(null, reader.latest(), "nothing cached after close");
    assertTrue(reader.read().isCompletedExceptionally(), "closed reader refuses reads");
  }

  @Test
  void aClosedStreamingReaderIgnoresOffersAndFailures() {
    SensorReader reader =
        SensorReader.streaming(
            info(Duration.ofHours(1)), executor, Duration.ofMinutes(5), published::add);
    CompletableFuture<Reading> waiting = reader.read();
    reader.close();
    assertTrue(waiting.isCompletedExceptionally(), "a waiting read ends at close");

    assertEquals(null, reader.offer(measure(), Instant.now(), Duration.ZERO));
    reader.fail(new java.io.IOException("port gone after close"));

    assertEquals(SensorState.STOPPED, reader.state());
    assertEquals("", reader.stateReason());
    assertTrue(published.isEmpty(), "nothing published after close: " + published);
    assertEquals(null, reader.latest());
  }

  @Test
  void anErrorStateSaysWhyAndOkClearsTheReason() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    SensorReader reader =
        new SensorReader(
            info(Duration.ZERO),
            executor,
            Duration.ofMinutes(5),
            () -> {
              if (calls.incrementAndGet() == 1)
                throw new java.io.IOException("no ACK at 0x68\ndetail");
              return measure();
            },
            published::add);
    assertThrows(ExecutionException.class, () -> reader.read().get(2, TimeUnit.MINUTES));
    Await.until(reader::state, s -> s == SensorState.ERROR, "state ERROR");
    assertEquals("no ACK at 0x68", reader.stateReason());
    reader.read().get(2, TimeUnit.MINUTES);
    assertEquals(SensorState.OK, reader.state());
    assertEquals("", reader.stateReason());
  }

  @Test
  void streamingReadWaitsForTheNextOfferedReading() throws Exception {
    // max age of an hour: "from cache" must not depend on how fast this machine is
    SensorReader reader =
        SensorReader.streaming(
            info(Duration.ofHours(1)), executor, Duration.ofMinutes(5), published::add);
    CompletableFuture<Reading> waiting = reader.read();
    CompletableFuture<Reading> second = reader.read();
    assertTrue(!waiting.isDone(), "no reading yet: the read waits");

    Reading offered = reader.offer(measure(), Instant.now(), Duration.ofMillis(1));
    assertSame(offered, waiting.get(2, TimeUnit.MINUTES));
    assertSame(offered, second.get(2, TimeUnit.MINUTES));
    assertSame(offered, reader.read().get(2, TimeUnit.MINUTES), "fresh: from cache");
    assertEquals(List.of(offered), published);
    assertEquals(1, offered.sequence());
  }

  @Test
  void streamingFailEndsWaitingReadsAtOnceAndDropsTheCache() throws Exception {
    SensorReader reader =
        SensorReader.streaming(
            info(Duration.ofHours(1)), executor, Duration.ofSeconds(30), published::add);
    CompletableFuture<Reading> waiting = reader.read();
    assertTrue(!waiting.isDone(), "nothing offered yet: the read waits");
    reader.fail(new java.io.IOException("still gone"));
    ExecutionException error =
        assertThrows(ExecutionException.class, () -> waiting.get(2, TimeUnit.MINUTES));
    assertEquals("still gone", error.getCause().getMessage());

    reader.offer(measure(), Instant.now(), Duration.ZERO);
    reader.fail(new java.io.IOException("port gone"));
    assertEquals(SensorState.ERROR, reader.state());
    CompletableFuture<Reading> after = reader.read();
    assertTrue(after.isCompletedExceptionally(), "the failed device's last reading is not served");
  }

  @Test
  void streamingReadTimesOutWhenTheDeviceIsSilent() {
    SensorReader reader =
        SensorReader.streaming(
            info(Duration.ZERO), executor, Duration.ofMillis(50), published::add);
    ExecutionException error =
        assertThrows(ExecutionException.class, () -> reader.read().get(2, TimeUnit.MINUTES));
    assertInstanceOf(TimeoutException.class, error.getCause());
    Await.until(reader::state, s -> s == SensorState.ERROR, "silent device in error");
  }

  /** A clock the test moves by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
