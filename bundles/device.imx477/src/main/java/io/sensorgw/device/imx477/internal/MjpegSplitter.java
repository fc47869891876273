package io.sensorgw.device.imx477.internal;

import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;

/**
 * Splits an MJPEG byte stream (JPEG images back to back, as rpicam-vid writes them) into JPEGs: an
 * image starts at SOI (FF D8) and ends at EOI (FF D9). Bytes before an SOI are skipped, so a stream
 * joined mid-image resynchronises on the next one.
 */
final class MjpegSplitter {
  /** A frame larger than this is garbage, not an image: drop it and resynchronise. */
  private static final int MAX_FRAME = 64 << 20;

  private final ByteArrayOutputStream frame = new ByteArrayOutputStream(1 << 20);
  private boolean inFrame;
  private int previous = -1;
  private long skipped;

  void feed(byte[] data, int offset, int length, Consumer<byte[]> onFrame) {
    for (int i = offset; i < offset + length; i++) {
      int b = data[i] & 0xFF;
      if (!inFrame) {
        if (previous == 0xFF && b == 0xD8) {
          inFrame = true;
          frame.reset();
          frame.write(0xFF);
          frame.write(0xD8);
        } else if (previous >= 0) {
          skipped++;
        }
      } else {
        frame.write(b);
        if (previous == 0xFF && b == 0xD9) {
          onFrame.accept(frame.toByteArray());
          inFrame = false;
          b = -1; // the EOI's FF D9 must not start another marker
        } else if (frame.size() > MAX_FRAME) {
          inFrame = false;
        }
      }
      previous = b;
    }
  }

  /** Bytes outside any image, e.g. a stream joined in the middle of one. */
  long skipped() {
    return skipped;
  }
}
