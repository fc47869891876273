package io.sensorgw.device.tfluna.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrameParserTest {
  /** A decoded frame, as the test compares them. */
  record Frame(int distance, int amplitude, int temperatureRaw) {}

  private final FrameParser parser = new FrameParser();
  private final List<Frame> decoded = new ArrayList<>();

  private void feed(byte[] bytes) {
    parser.feed(bytes, 0, bytes.length, (d, a, t) -> decoded.add(new Frame(d, a, t)));
  }

  private static byte[] frame(Frame f) {
    byte[] bytes = new byte[9];
    Frames.encodeFrame(f.distance(), f.amplitude(), f.temperatureRaw(), bytes, 0);
    return bytes;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) out.writeBytes(part);
    return out.toByteArray();
  }

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) out[i] = (byte) values[i];
    return out;
  }

  @Test
  void decodesTheDatasheetLayout() {
    // 123 cm, amplitude 0x0402, temperature raw 0x09C4 (312.5 / 8 - 256 = 56.5 °C)
    byte[] wire = bytes(0x59, 0x59, 0x7B, 0x00, 0x02, 0x04, 0xC4, 0x09, 0);
    int sum = 0;
    for (int i = 0; i < 8; i++) sum += wire[i] & 0xFF;
    wire[8] = (byte) sum;
    feed(wire);
    assertEquals(List.of(new Frame(123, 0x0402, 0x09C4)), decoded);
    assertEquals(56.5, Frames.celsius(0x09C4), 1e-9);
  }

  @Test
  void framesSplitAtEveryByteBoundaryAreDecoded() {
    Frame a = new Frame(250, 3000, 2400);
    Frame b = new Frame(0x5959, 0x5959, 0x5959); // payload bytes that look like headers
    byte[] stream = concat(frame(a), frame(b), frame(a));
    for (int cut1 = 0; cut1 <= stream.length; cut1++) {
      for (int cut2 = cut1; cut2 <= stream.length; cut2++) {
        FrameParser fresh = new FrameParser();
        List<Frame> got = new ArrayList<>();
        fresh.feed(stream, 0, cut1, (d, am, t) -> got.add(new Frame(d, am, t)));
        fresh.feed(stream, cut1, cut2 - cut1, (d, am, t) -> got.add(new Frame(d, am, t)));
        fresh.feed(stream, cut2, stream.length - cut2, (d, am, t) -> got.add(new Frame(d, am, t)));
        assertEquals(List.of(a, b, a), got, "cuts at " + cut1 + " and " + cut2);
      }
    }
  }

  @Test
  void garbageAndLoneHeaderBytesBetweenFramesAreSkippedAndCounted() {
    Frame a = new Frame(10, 200, 2100);
    Frame b = new Frame(20, 300, 2200);
    feed(concat(bytes(0x00, 0xFF, 0x59, 0x12), frame(a), bytes(0x59), frame(b), bytes(0x59, 0x00)));
    assertEquals(List.of(a, b), decoded);
    assertEquals(2, parser.frames());
    assertEquals(7, parser.skippedBytes(), "4 before, 1 lone header between, 2 after");
  }

  @Test
  void badChecksumIsDroppedAndTheNextFrameKept() {
    Frame a = new Frame(100, 500, 2300);
    Frame b = new Frame(101, 501, 2301);
    byte[] corrupt = frame(a);
    corrupt[8] ^= 0x01;
    feed(concat(corrupt, frame(b)));
    assertEquals(List.of(b), decoded);
    assertEquals(1, parser.badChecksums());
  }

  @Test
  void truncatedFrameDoesNotSwallowTheFrameAfterIt() {
    Frame b = new Frame(77, 900, 2250);
    for (int keep = 2; keep < 9; keep++) {
      FrameParser fresh = new FrameParser();
      List<Frame> got = new ArrayList<>();
      byte[] truncated = java.util.Arrays.copyOf(frame(new Frame(300, 301, 302)), keep);
      byte[] stream = concat(truncated, frame(b), frame(b));
      fresh.feed(stream, 0, stream.length, (d, am, t) -> got.add(new Frame(d, am, t)));
      assertEquals(List.of(b, b), got, "truncated after " + keep + " bytes");
    }
  }

  @Test
  void longRandomStreamDecodesEveryFrameInOrderAndInventsNone() {
    SplittableRandom random = new SplittableRandom(42);
    List<Frame> sent = new ArrayList<>();
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    for (int i = 0; i < 20_000; i++) {
      Frame f = new Frame(i % 65536, random.nextInt(65536), random.nextInt(65536));
      sent.add(f);
      stream.writeBytes(frame(f));
      int garbage = random.nextInt(4) == 0 ? random.nextInt(1, 12) : 0;
      for (int g = 0; g < garbage; g++) {
        int b = random.nextInt(256);
        stream.write(b == 0x59 ? 0x58 : b); // garbage never looks like a header
      }
    }
    byte[] all = stream.toByteArray();
    int at = 0;
    while (at < all.length) { // random chunk sizes, as reads deliver them
      int chunk = Math.min(all.length - at, random.nextInt(1, 64));
      parser.feed(all, at, chunk, (d, a, t) -> decoded.add(new Frame(d, a, t)));
      at += chunk;
      assertTrue(parser.bufferedBytes() < FrameParser.FRAME_LENGTH);
    }
    assertEquals(sent, decoded);
    assertEquals(0, parser.badChecksums());
  }

  @Test
  void fuzzedCorruptStreamNeverThrowsAndNeverGrows() {
    SplittableRandom random = new SplittableRandom(7);
    byte[] chunk = new byte[4096];
    long good = 0;
    int at = 0;
    for (int round = 0; round < 500; round++) { // 2 MB of frames, 10 % of bytes corrupted
      for (at = 0; at + 9 <= chunk.length; at += 9) {
        Frames.encodeFrame(random.nextInt(1200), random.nextInt(65536), 2300, chunk, at);
        good++;
      }
      for (int i = 0; i < chunk.length; i++) {
        if (random.nextInt(90) == 0) chunk[i] = (byte) random.nextInt(256);
      }
      int offset = 0;
      while (offset < chunk.length) {
        int n = Math.min(chunk.length - offset, random.nextInt(1, 700));
        parser.feed(chunk, offset, n, (d, a, t) -> decoded.add(null));
        offset += n;
        assertTrue(parser.bufferedBytes() < FrameParser.FRAME_LENGTH, "bounded buffer");
      }
      decoded.clear();
    }
    // Most frames survive the corruption; the rest are counted, none thrown.
    assertTrue(parser.frames() > good * 8 / 10, parser.frames() + " of " + good);
    assertTrue(parser.badChecksums() > 0);
    assertTrue(parser.skippedBytes() > 0);
  }
}
