package io.sensorgw.device.tfluna.internal;

/**
 * Streaming decoder of TF-Luna 9-byte frames ({@code 59 59 DistL DistH AmpL AmpH TempL TempH Sum})
 * from chunks of any size. Skips garbage, and after a bad checksum or a truncated frame resyncs on
 * the next header inside the bytes already taken, so the good frame that follows is not lost. Holds
 * at most one frame of bytes; allocates nothing per frame. Not thread-safe: one reader.
 */
final class FrameParser {
  static final int FRAME_LENGTH = 9;
  static final int HEADER = 0x59;

  /** Receives each good frame; raw values as the sensor sent them. */
  @FunctionalInterface
  interface FrameSink {
    void onFrame(int distance, int amplitude, int temperatureRaw);
  }

  private final byte[] frame = new byte[FRAME_LENGTH];
  private int filled;
  private long frames;
  private long badChecksums;
  private long skippedBytes;

  /**
   * Decodes {@code length} bytes of {@code data} from {@code offset}; calls {@code sink} per frame.
   */
  void feed(byte[] data, int offset, int length, FrameSink sink) {
    int end = offset + length;
    for (int i = offset; i < end; i++) {
      byte b = data[i];
      if (filled < 2) {
        if ((b & 0xFF) == HEADER) {
          frame[filled++] = b;
        } else {
          skippedBytes += filled + 1; // a lone 0x59 and this byte are not a frame
          filled = 0;
        }
        continue;
      }
      frame[filled++] = b;
      if (filled == FRAME_LENGTH) complete(sink);
    }
  }

  private void complete(FrameSink sink) {
    int sum = 0;
    for (int i = 0; i < FRAME_LENGTH - 1; i++) sum += frame[i] & 0xFF;
    if ((sum & 0xFF) == (frame[FRAME_LENGTH - 1] & 0xFF)) {
      frames++;
      filled = 0;
      sink.onFrame(u16(frame[2], frame[3]), u16(frame[4], frame[5]), u16(frame[6], frame[7]));
      return;
    }
    badChecksums++;
    resync();
  }

  /** Drops bytes up to the next possible header inside the rejected frame. */
  private void resync() {
    int start = 1;
    while (start < FRAME_LENGTH) {
      if ((frame[start] & 0xFF) == HEADER
          && (start == FRAME_LENGTH - 1 || (frame[start + 1] & 0xFF) == HEADER)) {
        break;
      }
      start++;
    }
    skippedBytes += start;
    filled = FRAME_LENGTH - start;
    System.arraycopy(frame, start, frame, 0, filled);
    // The kept bytes start with a header but may hold another bad frame's start only partially;
    // they are re-checked as more bytes arrive, since a full frame needs 9 of them again.
  }

  private static int u16(byte low, byte high) {
    return (low & 0xFF) | (high & 0xFF) << 8;
  }

  long frames() {
    return frames;
  }

  long badChecksums() {
    return badChecksums;
  }

  long skippedBytes() {
    return skippedBytes;
  }

  /** Bytes held while waiting for the rest of a frame; never more than one frame. */
  int bufferedBytes() {
    return filled;
  }
}
