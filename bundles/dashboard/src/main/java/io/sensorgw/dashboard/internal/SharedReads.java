package io.sensorgw.dashboard.internal;

import io.sensorgw.api.Reading;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Reads for pages, shared: a sensor that publishes nothing (it reads on request) is read for the
 * dashboards at most once per interval however many are open, and a read in flight is joined, not
 * repeated. A camera's read renders and analyses a frame (about 125 ms of CPU simulated, a capture
 * on a Pi): four dashboards each asking would cost four times that for the same picture.
 */
final class SharedReads {
  private record Last(long askedNanos, CompletionStage<Reading> reading) {}

  private final LongSupplier nanos;
  private final Map<String, Last> bySensor = new ConcurrentHashMap<>();

  SharedReads(LongSupplier nanos) {
    this.nanos = nanos;
  }

  /**
   * The reading of the last read of {@code sensor} when it was asked for less than {@code
   * intervalNanos} ago (or is still running), else a new read from {@code read}.
   */
  CompletionStage<Reading> read(
      String sensor, long intervalNanos, Supplier<CompletionStage<Reading>> read) {
    long now = nanos.getAsLong();
    Last last =
        bySensor.compute(
            sensor,
            (id, previous) -> {
              boolean fresh =
                  previous != null
                      && (now - previous.askedNanos() < intervalNanos
                          || !previous.reading().toCompletableFuture().isDone());
              boolean failed =
                  previous != null
                      && previous.reading().toCompletableFuture().isCompletedExceptionally();
              return fresh && !failed ? previous : new Last(now, read.get());
            });
    return last.reading();
  }

  /** A sensor gone: its last reading is not served to a successor. */
  void forget(String sensor) {
    bySensor.remove(sensor);
  }
}
