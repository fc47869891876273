package io.sensorgw.device.tfluna.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatedSourceTest {
  private static byte[] frames(long seed, int count) {
    SimulatedSource source = new SimulatedSource(seed, 100);
    byte[] out = new byte[count * 9];
    for (int i = 0; i < count; i++) source.nextFrame(out, i * 9);
    return out;
  }

  @Test
  void sameSeedSameFramesOtherSeedOtherFrames() {
    assertArrayEquals(frames(3, 500), frames(3, 500));
    assertFalse(java.util.Arrays.equals(frames(3, 500), frames(4, 500)));
  }

  @Test
  void framesArePlausibleAndDecodeThroughTheParser() {
    byte[] bytes = frames(1, 6000); // one minute at 100 Hz
    FrameParser parser = new FrameParser();
    List<int[]> decoded = new ArrayList<>();
    parser.feed(bytes, 0, bytes.length, (d, a, t) -> decoded.add(new int[] {d, a, t}));
    assertEquals(6000, decoded.size());
    int weak = 0;
    for (int[] f : decoded) {
      assertTrue(f[0] >= 40 && f[0] <= 260, "distance within the scene: " + f[0]);
      double celsius = Frames.celsius(f[2]);
      assertTrue(celsius > 30 && celsius < 45, "chip temperature " + celsius);
      if (!Frames.reliable(f[1])) weak++;
    }
    assertTrue(weak > 60 && weak < 200, "about one weak frame in 50: " + weak);
    // A slowly moving target: consecutive frames differ by noise, not jumps.
    for (int i = 1; i < decoded.size(); i++) {
      assertTrue(Math.abs(decoded.get(i)[0] - decoded.get(i - 1)[0]) <= 5);
    }
  }

  @Test
  void followsTheFormatAndRateCommands() throws Exception {
    SimulatedSource source = new SimulatedSource(1, 100);
    source.write(Frames.setFormat(Frames.FORMAT_MM));
    byte[] one = new byte[9];
    source.nextFrame(one, 0);
    int distance = (one[2] & 0xFF) | (one[3] & 0xFF) << 8;
    assertTrue(distance > 400, "millimetres: " + distance);
  }

  @Test
  void commandsCarryTheirChecksum() {
    assertArrayEquals(
        new byte[] {0x5A, 0x06, 0x03, 0x64, 0x00, (byte) 0xC7}, Frames.setFrequency(100));
    assertArrayEquals(
        new byte[] {0x5A, 0x05, 0x05, 0x06, 0x6A}, Frames.setFormat(Frames.FORMAT_MM));
  }
}
