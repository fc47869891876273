package io.sensorgw.dashboard.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SharedReadsTest {
  private final AtomicLong nanos = new AtomicLong();
  private final SharedReads reads = new SharedReads(nanos::get);
  private final AtomicInteger deviceReads = new AtomicInteger();

  private CompletionStage<Reading> device() {
    int n = deviceReads.incrementAndGet();
    return CompletableFuture.completedFuture(
        new Reading(
            "imx477-1",
            n,
            Instant.EPOCH,
            Map.of("luminosity", Value.of(n, "grey level")),
            Quality.SIMULATED,
            Duration.ZERO,
            ""));
  }

  @Test
  void pagesAskingWithinTheIntervalShareOneRead() {
    for (int page = 0; page < 4; page++) reads.read("imx477-1", 5_000, this::device);
    assertEquals(1, deviceReads.get());
    nanos.set(5_000);
    assertEquals(
        2, reads.read("imx477-1", 5_000, this::device).toCompletableFuture().join().sequence());
    reads.read("tfluna-1", 5_000, this::device);
    assertEquals(3, deviceReads.get(), "per sensor");
  }

  @Test
  void aReadInFlightIsJoinedAndAFailedOneIsNotKept() {
    CompletableFuture<Reading> slow = new CompletableFuture<>();
    assertSame(slow, reads.read("imx477-1", 1, () -> slow));
    nanos.set(10);
    assertSame(slow, reads.read("imx477-1", 1, this::device), "still running: joined");
    slow.completeExceptionally(new IllegalStateException("device gone"));
    reads.read("imx477-1", 1_000, this::device);
    assertEquals(1, deviceReads.get(), "a failed read is asked again at once");
    reads.forget("imx477-1");
    reads.read("imx477-1", 1_000, this::device);
    assertEquals(2, deviceReads.get(), "a sensor forgotten starts afresh");
  }
}
