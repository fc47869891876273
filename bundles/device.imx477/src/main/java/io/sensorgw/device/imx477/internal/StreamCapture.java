package io.sensorgw.device.imx477.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One long-running camera process ({@code rpicam-vid --codec mjpeg -t 0 -o -}) whose stdout is
 * split into JPEGs by its own thread; the latest frame is kept, so a capture takes no time and a
 * request never waits for a camera to start (except for the very first frame). A process that dies
 * is restarted with backoff; its stderr goes to a temp file whose end is logged.
 */
final class StreamCapture implements Capture {
  private static final Logger LOG = LoggerFactory.getLogger(StreamCapture.class);
  private static final long MAX_BACKOFF_MS = 10_000;

  private final String name;
  private final List<String> command;
  private final Duration firstFrameTimeout;
  private final AtomicReference<CapturedFrame> latest = new AtomicReference<>();
  private final Object frameArrived = new Object();
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong restarts = new AtomicLong();
  private volatile boolean closed;
  private volatile Process process;
  private volatile String lastFailure = "";
  private Thread reader;

  StreamCapture(String name, List<String> command, Duration firstFrameTimeout) {
    this.name = name;
    this.command = command;
    this.firstFrameTimeout = firstFrameTimeout;
  }

  @Override
  public void start() {
    reader = new Thread(this::run, "sensorgw-" + name + "-mjpeg");
    reader.setDaemon(true);
    reader.start();
  }

  private void run() {
    long backoffMs = 250;
    while (!closed) {
      Path err = null;
      String detail = ""; // for the log: the command line and its stderr, never for clients
      try {
        err = Files.createTempFile("sensorgw-stream", ".err");
        Process running = new ProcessBuilder(command).redirectError(err.toFile()).start();
        process = running;
        started.incrementAndGet();
        long framesBefore = sequence.get();
        MjpegSplitter splitter = new MjpegSplitter();
        byte[] buffer = new byte[256 * 1024];
        try (InputStream out = running.getInputStream()) {
          for (int n; !closed && (n = out.read(buffer)) >= 0; ) {
            splitter.feed(buffer, 0, n, this::onFrame);
          }
        }
        if (closed) {
          // close() may have run between the loop's check and the start: it saw the previous
          // process (or none), so this one is killed here or it would outlive the camera.
          Commands.kill(running);
          break;
        }
        running.waitFor(2, TimeUnit.SECONDS);
        String exit =
            running.isAlive() ? "closed its output" : "exited with " + running.exitValue();
        lastFailure = "the stream program " + exit;
        detail = String.join(" ", command) + " " + exit + Commands.stderrTail(err, 300);
        if (sequence.get() > framesBefore) backoffMs = 250; // it worked for a while: retry soon
        Commands.kill(running);
      } catch (IOException | InterruptedException e) {
        if (closed) break;
        lastFailure = "the stream program could not run";
        detail = String.join(" ", command) + ": " + e.getMessage();
      } finally {
        if (err != null) {
          try {
            Files.deleteIfExists(err);
          } catch (IOException ignored) {
            // a temp file
          }
        }
      }
      restarts.incrementAndGet();
      LOG.warn("Camera {}: {}; restarting in {} ms", name, detail, backoffMs);
      if (!sleep(backoffMs)) break;
      backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    }
  }

  private void onFrame(byte[] jpeg) {
    latest.set(new CapturedFrame(sequence.incrementAndGet(), jpeg, Instant.now(), Duration.ZERO));
    synchronized (frameArrived) {
      frameArrived.notifyAll();
    }
  }

  private boolean sleep(long millis) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (frameArrived) {
      while (!closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) return true;
        try {
          TimeUnit.NANOSECONDS.timedWait(frameArrived, left);
        } catch (InterruptedException e) {
          return false;
        }
      }
    }
    return false;
  }

  /** The latest frame; before the first one, waits for it up to the first-frame timeout. */
  @Override
  public CapturedFrame capture() throws Exception {
    long deadline = System.nanoTime() + firstFrameTimeout.toNanos();
    synchronized (frameArrived) {
      while (latest.get() == null && !closed) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IOException(
              "no frame from "
                  + command.get(0)
                  + " within "
                  + firstFrameTimeout.toMillis()
                  + " ms"
                  + (lastFailure.isEmpty() ? "" : "; last failure: " + lastFailure));
        }
        TimeUnit.NANOSECONDS.timedWait(frameArrived, left);
      }
    }
    if (closed) throw new IOException("camera closed");
    return latest.get();
  }

  /** What kind of capture, for the sensor's public description: not the command line. */
  @Override
  public String describe() {
    return "a long-running stream of frames";
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
        "processRestarts",
        restarts.get(),
        "framesStreamed",
        sequence.get());
  }

  @Override
  public void close() {
    closed = true;
    Process running = process;
    if (running != null) Commands.kill(running);
    synchronized (frameArrived) {
      frameArrived.notifyAll();
    }
    if (reader != null) {
      try {
        reader.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
