package io.sensorgw.device.imx477.internal;

import io.sensorgw.concurrent.ReconnectLoop;
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
 * is restarted with backoff ({@link ReconnectLoop}); its stderr goes to a temp file whose end is
 * logged.
 */
final class StreamCapture implements Capture {
  private static final Logger LOG = LoggerFactory.getLogger(StreamCapture.class);

  private final String name;
  private final List<String> command;
  private final Duration firstFrameTimeout;
  private final AtomicReference<CapturedFrame> latest = new AtomicReference<>();
  private final Object frameArrived = new Object();
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong started = new AtomicLong();

  /**
   * Restarts a process that ended. Up only once it streamed a frame: a process that starts and dies
   * at once (no camera) is retried slower and slower, one that worked for a while soon.
   */
  private final ReconnectLoop connection;

  private volatile String lastFailure = "";
  private Thread reader;

  StreamCapture(String name, List<String> command, Duration firstFrameTimeout) {
    this.name = name;
    this.command = command;
    this.firstFrameTimeout = firstFrameTimeout;
    this.connection = ReconnectLoop.builder("Camera " + name).logger(LOG).upOnFirstData().build();
  }

  @Override
  public void start() {
    reader = new Thread(this::run, "sensorgw-" + name + "-mjpeg");
    reader.setDaemon(true);
    reader.start();
  }

  /** Restarts the process with backoff until closed. */
  private void run() {
    connection.run(ProcessSession::new);
  }

  /** One run of the camera process, read until its output ends. */
  private final class ProcessSession implements ReconnectLoop.Session {
    private volatile Path err;
    private volatile Process running;

    @Override
    public void open() throws IOException {
      try {
        err = Files.createTempFile("sensorgw-stream", ".err");
        running = new ProcessBuilder(command).redirectError(err.toFile()).start();
      } catch (IOException e) {
        lastFailure = "the stream program could not run";
        // The message names the command line: for the log only; clients see lastFailure.
        throw new IOException(String.join(" ", command) + ": " + e.getMessage(), e);
      }
      started.incrementAndGet();
    }

    @Override
    public void run() throws IOException, InterruptedException {
      MjpegSplitter splitter = new MjpegSplitter();
      byte[] buffer = new byte[256 * 1024];
      try (InputStream out = running.getInputStream()) {
        for (int n; !connection.isClosed() && (n = out.read(buffer)) >= 0; ) {
          splitter.feed(buffer, 0, n, StreamCapture.this::onFrame);
        }
      }
      if (connection.isClosed()) return;
      running.waitFor(2, TimeUnit.SECONDS);
      String exit = running.isAlive() ? "closed its output" : "exited with " + running.exitValue();
      lastFailure = "the stream program " + exit;
      // For the log only, like open()'s: the command line and the end of its stderr.
      throw new IOException(String.join(" ", command) + " " + exit + Commands.stderrTail(err, 300));
    }

    /** Also from close()'s thread, through the loop: the process must not outlive the camera. */
    @Override
    public void close() {
      Process process = running;
      if (process != null) Commands.kill(process);
      Path file = err;
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException ignored) {
          // a temp file
        }
      }
    }
  }

  private void onFrame(byte[] jpeg) {
    latest.set(new CapturedFrame(sequence.incrementAndGet(), jpeg, Instant.now(), Duration.ZERO));
    connection.heard();
    synchronized (frameArrived) {
      frameArrived.notifyAll();
    }
  }

  /** The latest frame; before the first one, waits for it up to the first-frame timeout. */
  @Override
  public CapturedFrame capture() throws Exception {
    long deadline = System.nanoTime() + firstFrameTimeout.toNanos();
    synchronized (frameArrived) {
      while (latest.get() == null && !connection.isClosed()) {
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
    if (connection.isClosed()) throw new IOException("camera closed");
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
        connection.reconnects(),
        "framesStreamed",
        sequence.get());
  }

  @Override
  public void close() {
    connection.close(); // kills the running process, or ends the pause
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
