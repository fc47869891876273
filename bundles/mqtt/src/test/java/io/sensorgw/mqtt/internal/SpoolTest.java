package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Reads every message from {@code from} on, committing none. */
  private static List<String> drain(Spool spool, Spool.Position from) throws Exception {
    List<String> payloads = new ArrayList<>();
    for (Spool.Message m; (m = spool.next(from, Duration.ZERO)) != null; from = m.next()) {
      payloads.add(new String(m.payload(), StandardCharsets.UTF_8));
    }
    return payloads;
  }

  @Test
  void messagesComeBackInOrderAndWhatWasNotCommittedSurvivesARestart() throws Exception {
    Spool.Position half;
    try (Spool spool = new Spool(dir, 1 << 20, Duration.ofDays(1), Clock.systemUTC())) {
      for (int i = 0; i < 100; i++) spool.append("t/" + (i % 3), bytes("m" + i), 1, i % 2 == 0);
      assertEquals(100, spool.pending());
      Spool.Position at = spool.committed();
      Spool.Message first = spool.next(at, Duration.ZERO);
      assertEquals("t/0", first.topic());
      assertArrayEquals(bytes("m0"), first.payload());
      assertEquals(1, first.qos());
      assertTrue(first.retain());
      for (int i = 0; i < 50; i++) at = spool.next(at, Duration.ZERO).next();
      half = at;
      spool.commit(half, 50);
      assertEquals(50, spool.pending());
      spool.sync();
    }
    try (Spool reopened = new Spool(dir, 1 << 20, Duration.ofDays(1), Clock.systemUTC())) {
      assertEquals(50, reopened.pending(), "the 50 unacknowledged messages are still there");
      assertEquals(half, reopened.committed());
      List<String> rest = drain(reopened, reopened.committed());
      assertEquals(50, rest.size());
      for (int i = 0; i < 50; i++) assertEquals("m" + (50 + i), rest.get(i));
    }
  }

  @Test
  void aTornLastRecordIsCutAndTheRestKept() throws Exception {
    try (Spool spool = new Spool(dir, 1 << 20, Duration.ofDays(1), Clock.systemUTC())) {
      for (int i = 0; i < 10; i++) spool.append("t", bytes("m" + i), 1, false);
    }
    Path segment;
    try (var files = Files.list(dir)) {
      segment = files.filter(f -> f.toString().endsWith(".seg")).findFirst().orElseThrow();
    }
    // A crash in the middle of a write: a length that promises more than follows.
    Files.write(segment, new byte[] {0, 0, 0, 40, 1, 2, 3}, StandardOpenOption.APPEND);
    try (Spool reopened = new Spool(dir, 1 << 20, Duration.ofDays(1), Clock.systemUTC())) {
      assertEquals(10, reopened.pending());
      reopened.append("t", bytes("after"), 1, false);
      List<String> all = drain(reopened, reopened.committed());
      assertEquals(11, all.size());
      assertEquals("after", all.get(10), "appending continues after the cut");
    }
  }

  @Test
  void overItsSizeTheOldestSegmentsAreDroppedAndCounted() throws Exception {
    try (Spool spool = new Spool(dir, 8 * 1024, 1024, Duration.ofDays(1), Clock.systemUTC())) {
      byte[] payload = new byte[100];
      for (int i = 0; i < 1000; i++) spool.append("t", payload, 1, false);
      long dropped = spool.figures().get("spoolDroppedFull").longValue();
      assertTrue(dropped > 900, "most of 1000 x 100 B cannot fit in 8 KB: dropped " + dropped);
      assertTrue(spool.figures().get("spoolBytes").longValue() <= 8 * 1024);
      assertEquals(1000 - dropped, spool.pending());
      assertEquals(
          1000 - dropped,
          drain(spool, spool.committed()).size(),
          "reading starts at the oldest kept");
    }
  }

  @Test
  void messagesOlderThanMaxAgeAreDroppedAndCounted() throws Exception {
    MutableClock clock = new MutableClock();
    try (Spool spool = new Spool(dir, 1 << 20, 200, Duration.ofHours(1), clock)) {
      for (int i = 0; i < 20; i++) spool.append("t", bytes("old" + i), 1, false);
      clock.now = clock.now.plus(Duration.ofHours(2));
      spool.append("t", bytes("new"), 1, false);
      long old = spool.figures().get("spoolDroppedOld").longValue();
      assertTrue(old > 0, "old messages dropped");
      List<String> left = drain(spool, spool.committed());
      assertEquals("new", left.get(left.size() - 1));
      assertTrue(left.stream().filter(s -> s.startsWith("old")).count() == 20 - old);
    }
  }

  @Test
  void aReaderWaitsForTheNextAppend() throws Exception {
    try (Spool spool = new Spool(dir, 1 << 20, Duration.ofDays(1), Clock.systemUTC())) {
      assertNull(spool.next(spool.committed(), Duration.ZERO));
      Thread writer =
          new Thread(
              () -> {
                try {
                  spool.append("t", bytes("late"), 0, false);
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      writer.start();
      Spool.Message message =
          spool.next(spool.committed(), Duration.ofMinutes(2)); // returns at the append
      assertEquals("late", new String(message.payload(), StandardCharsets.UTF_8));
      writer.join();
    }
  }

  private static final class MutableClock extends Clock {
    Instant now = Instant.parse("2026-11-27T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
