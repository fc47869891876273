package io.sensorgw.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PublishThrottleTest {
  private static Reading reading(long seq) {
    return new Reading("s", seq, Instant.now(), Map.of(), Quality.SIMULATED, Duration.ZERO, "");
  }

  @Test
  void zeroIntervalPassesEverything() {
    List<Reading> out = new ArrayList<>();
    PublishThrottle throttle = new PublishThrottle(Duration.ZERO, out::add);
    for (long i = 1; i <= 100; i++) throttle.accept(reading(i));
    assertEquals(100, out.size());
    assertEquals(0, throttle.held());
  }

  @Test
  void longIntervalPassesTheFirstAndHoldsTheRest() {
    List<Reading> out = new ArrayList<>();
    PublishThrottle throttle = new PublishThrottle(Duration.ofHours(1), out::add);
    for (long i = 1; i <= 100; i++) throttle.accept(reading(i));
    assertEquals(List.of(1L), out.stream().map(Reading::sequence).toList());
    assertEquals(1, throttle.passed());
    assertEquals(99, throttle.held());
  }
}
