package io.sensorgw.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class EventCacheTest {
  private final AtomicInteger formatted = new AtomicInteger();
  private final EventCache cache =
      new EventCache(
          r -> {
            formatted.incrementAndGet();
            return r.sensorId() + "#" + r.sequence();
          });

  private static Reading reading(String sensor, long sequence) {
    return new Reading(
        sensor, sequence, Instant.EPOCH, Map.of(), Quality.SIMULATED, Duration.ZERO, "");
  }

  @Test
  void aReadingIsFormattedOnceForAllClients() {
    Reading a1 = reading("a", 1);
    for (int client = 0; client < 100; client++) assertEquals("a#1", cache.text(a1));
    assertEquals(1, formatted.get());
  }

  @Test
  void anotherReadingInTheSameSlotOrOfAnotherSensorIsFormattedAfresh() {
    assertEquals("a#1", cache.text(reading("a", 1)));
    assertEquals("a#257", cache.text(reading("a", 257))); // same slot, overwrites
    assertEquals("b#1", cache.text(reading("b", 1)));
    assertEquals("a#1", cache.text(reading("a", 1))); // an equal but new object: formatted again
    assertEquals(4, formatted.get());
  }
}
