package io.sensorgw.http.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Value;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EncodedReadingTest {
  private final Json json = new Json();
  private final EncodedReading encoded = new EncodedReading();

  private static Reading reading(long sequence, double metres) {
    return new Reading(
        "tfluna-1",
        sequence,
        Instant.parse("2026-12-02T10:00:00Z"),
        Map.of("distance", new Value(metres, "m")),
        Quality.SIMULATED,
        Duration.ofMillis(2),
        "");
  }

  @Test
  void theSameReadingIsEncodedOnceAndAsTheApiWritesIt() throws Exception {
    Reading first = reading(1, 1.5);
    byte[] once = encoded.of(first, json);
    assertSame(once, encoded.of(first, json));
    assertEquals(json.toString(Json.reading(first)), new String(once, "UTF-8"));
  }

  @Test
  void aNewReadingIsEncodedAfreshEvenWhenEqual() throws Exception {
    byte[] first = encoded.of(reading(1, 1.5), json);
    byte[] next = encoded.of(reading(2, 2.25), json);
    JsonNode body = new ObjectMapper().readTree(next);
    assertEquals(2, body.get("sequence").asLong());
    assertEquals(2.25, body.at("/values/distance/value").asDouble());
    // An equal reading in another object is not taken for the one encoded: identity is the key.
    assertNotSame(first, encoded.of(reading(1, 1.5), json));
  }
}
