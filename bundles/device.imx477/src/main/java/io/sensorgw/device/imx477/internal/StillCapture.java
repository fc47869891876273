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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One capture process per frame ({@code rpicam-still ... -o -}). Its stdout and stderr go to temp
 * files, so no extra thread is needed to drain them; a process still running at the timeout is
 * killed with its children. A failure is logged with the command line and the end of its stderr,
 * under a capture number; the error a client may see says only what happened and that number (a
 * command line can hold paths and secrets, stderr anything).
 */
final class StillCapture implements Capture {
  private static final Logger LOG = LoggerFactory.getLogger(StillCapture.class);
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
      Process process =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
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
        throw failure("did not finish within " + timeout.toMillis() + " ms; killed", err);
      }
      Duration took = Duration.ofNanos(System.nanoTime() - begin);
      byte[] jpeg = Files.readAllBytes(out);
      if (process.exitValue() != 0) {
        failed.incrementAndGet();
        throw failure("exited with " + process.exitValue(), err);
      }
      if (jpeg.length < 4 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8) {
        failed.incrementAndGet();
        throw failure("wrote no JPEG (" + jpeg.length + " bytes)", err);
      }
      return new CapturedFrame(sequence.incrementAndGet(), jpeg, at, took);
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Logs the whole story under a number; returns the short error that may reach a client. */
  private IOException failure(String what, Path err) throws IOException {
    long number = started.get();
    LOG.warn(
        "Camera capture #{} ({}) {}{}",
        number,
        String.join(" ", command),
        what,
        Commands.stderrTail(err, 500));
    return new IOException(
        "the capture program " + what + " (capture #" + number + "; details in the log)");
  }

  /** What kind of capture, for the sensor's public description: not the command line. */
  @Override
  public String describe() {
    return "one still capture per frame";
  }

  @Override
  public String commandLine() {
    return String.join(" ", command);
  }

  @Override
  public Map<String, Number> metrics() {
    return Map.of(
        "processesStarted",
        started.get(),
        "processesKilled",
        killed.get(),
        "processesFailed",
        failed.get());
  }

  /** Kills a capture in progress: stopping the camera never waits for one. */
  @Override
  public void close() {
    closed = true;
    Process process = running;
    if (process != null) Commands.kill(process);
  }
}
