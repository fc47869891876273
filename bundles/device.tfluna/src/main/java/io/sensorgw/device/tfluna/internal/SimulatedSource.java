package io.sensorgw.device.tfluna.internal;

import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A TF-Luna without hardware: real 9-byte frames of a target moving slowly between about 0.5 and
 * 2.5 m, with noise and occasional weak-signal frames, paced at the configured output rate. The
 * frame sequence depends only on the seed, never on the clock; the clock only paces it.
 */
final class SimulatedSource implements ByteSource {
  /** Frames due within this span are handed over together (a frame waits at most this long). */
  static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** One frame in this many has a weak, unreliable signal. */
  static final int WEAK_SIGNAL_ONE_IN = 50;

  private final SplittableRandom random;
  private volatile int rateHz;
  private volatile boolean millimetres;
  private long frameIndex;
  private long nextDueNanos;
  private volatile boolean closed;

  SimulatedSource(long seed, int rateHz) {
    this.random = new SplittableRandom(seed);
    this.rateHz = rateHz;
  }

  @Override
  public void open() {
    closed = false;
    nextDueNanos = System.nanoTime();
  }

  @Override
  public int read(byte[] buffer) throws IOException {
    if (closed) throw new IOException("simulation closed");
    // Frames come in batches of up to BATCH_NANOS, as a serial adapter hands over what arrived
    // since the last read: at 100 Hz five wake-ups of the reading thread become one.
    long intervalNanos = TimeUnit.SECONDS.toNanos(1) / Math.max(1, rateHz);
    long wait = nextDueNanos + Math.max(0, BATCH_NANOS - intervalNanos) - System.nanoTime();
    if (wait > 0) {
      // Pacing, as a real sensor would: wait for the next frame, at most a read's while.
      LockSupport.parkNanos(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(200)));
      if (Thread.interrupted()) throw new IOException("simulation interrupted");
      if (nextDueNanos + Math.max(0, BATCH_NANOS - intervalNanos) - System.nanoTime() > 0) return 0;
    }
    int count = 0;
    while (count + FrameParser.FRAME_LENGTH <= buffer.length
        && nextDueNanos - System.nanoTime() <= 0) {
      nextFrame(buffer, count);
      count += FrameParser.FRAME_LENGTH;
      nextDueNanos += intervalNanos;
    }
    return count;
  }

  /** The next frame of the deterministic sequence. */
  void nextFrame(byte[] out, int offset) {
    double seconds = frameIndex++ / 100.0; // the scene moves in sensor time at the default 100 Hz
    double distanceCm =
        150 + 100 * Math.sin(2 * Math.PI * seconds / 20) + random.nextDouble(-1.5, 1.5);
    boolean weak = random.nextInt(WEAK_SIGNAL_ONE_IN) == 0;
    // Stronger echoes from nearer targets; a weak frame is what a dark or oblique surface returns.
    int amplitude =
        weak
            ? random.nextInt(10, 100)
            : (int) Math.min(60000, 2_000_000 / distanceCm + random.nextInt(-50, 50));
    double celsius = 38 + 4 * Math.sin(2 * Math.PI * seconds / 600);
    int temperatureRaw = (int) Math.round((celsius + 256) * 8);
    int distance = (int) Math.round(millimetres ? distanceCm * 10 : distanceCm);
    Frames.encodeFrame(distance, amplitude, temperatureRaw, out, offset);
  }

  /** The simulation obeys the output rate and format commands, as the sensor does. */
  @Override
  public void write(byte[] command) {
    if (command.length < 4 || (command[0] & 0xFF) != 0x5A) return;
    if (command[2] == 0x03 && command.length == 6) {
      int hertz = (command[3] & 0xFF) | (command[4] & 0xFF) << 8;
      if (hertz > 0) rateHz = hertz;
    } else if (command[2] == 0x05 && command.length == 5) {
      millimetres = command[3] == Frames.FORMAT_MM;
    }
  }

  @Override
  public String describe() {
    return "simulation";
  }

  @Override
  public void close() {
    closed = true;
  }
}
