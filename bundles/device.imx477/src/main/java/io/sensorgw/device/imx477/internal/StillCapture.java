package io.sensorgw.device.imx477.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One capture process per frame ({@code rpicam-still ... -o -}). Its stdout and stderr go to temp
 * files, so no extra thread is needed to drain them; a process still running at the timeout is
 * killed with its children, and a failure carries the end of its stderr.
 */
final class StillCapture implements Capture {
  private final List<String> command;
  private final Duration timeout;
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong killed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile Process running;
  private volatile boolean closed;

  StillCapture(List<String> command, Duration timeout) {
    this.command = command;
    this.timeout = timeout;
  }

  @Override
  public CapturedFrame capture() throws Exception {
    Path out = Files.createTempFile("sensorgw-still", ".jpg");
    Path err = Files.createTempFile("sensorgw-still", ".err");
    try {
      Instant at = Instant.now();
      long begin = System.nanoTime();
      if (closed) throw new IOException("camera closed");
      Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      running = process;
      started.incrementAndGet();
      if (closed) Commands.kill(process); // closed while starting
      boolean finished;
      try {
        finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) { // the read timed out or the sensor is closing
        Commands.kill(process);
        throw e;
      }
      running = null;
      if (closed) throw new IOException("camera closed during a capture");
      if (!finished) {
        Commands.kill(process);
        killed.incrementAndGet();
        throw new IOException(command.get(0) + " did not finish within " + timeout.toMillis() + " ms; killed"
            + Commands.stderrTail(err, 500));
      }
      Duration took = Duration.ofNanos(System.nanoTime() - begin);
      byte[] jpeg = Files.readAllBytes(out);
      if (process.exitValue() != 0) {
        failed.incrementAndGet();
        throw new IOException(command.get(0) + " exited with " + process.exitValue() + Commands.stderrTail(err, 500));
      }
      if (jpeg.length < 4 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8) {
        failed.incrementAndGet();
        throw new IOException(command.get(0) + " wrote no JPEG (" + jpeg.length + " bytes)" + Commands.stderrTail(err, 500));
      }
      return new CapturedFrame(sequence.incrementAndGet(), jpeg, at, took);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  @Override
  public String describe() {
    return String.join(" ", command);
  }

  @Override
  public Map<String, Number> statistics() {
    return Map.of("processesStarted", started.get(), "processesKilled", killed.get(), "processesFailed", failed.get());
  }

  /** Kills a capture in progress: stopping the camera never waits for one. */
  @Override
  public void close() {
    closed = true;
    Process process = running;
    if (process != null) Commands.kill(process);
  }
}
