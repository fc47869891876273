package io.sensorgw.device.imx477.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.Value;
import io.sensorgw.concurrent.ManagedExecutor;
import io.sensorgw.core.Measurement;
import io.sensorgw.core.SensorReader;
import io.sensorgw.testing.Await;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.videoio.VideoWriter;

/** The capture backends against real processes: the fake rpicam-still and rpicam-vid. */
class CaptureTest {
  /** Bound of every wait and of captures that must succeed: generous for a busy machine. */
  private static final Duration BOUND = Duration.ofMinutes(2);

  @TempDir Path dir;
  private FakeRpicam fake;

  @BeforeEach
  void setUp() throws IOException {
    fake = new FakeRpicam(dir);
  }

  private static void assertDecodes(byte[] jpeg) {
    Mat image = Imgcodecs.imdecode(new MatOfByte(jpeg), Imgcodecs.IMREAD_COLOR);
    assertEquals(160, image.cols(), "a real image came back");
    assertEquals(120, image.rows());
  }

  private StillCapture still(Duration timeout) {
    return new StillCapture(
        Commands.line(
            fake.still.toString(),
            "-n --immediate -t 1 --width {width} --height {height} -o -",
            160,
            120),
        timeout);
  }

  @Test
  void aStillCaptureReturnsTheJpegOfOneProcess() throws Exception {
    CapturedFrame frame = still(BOUND).capture();
    assertDecodes(frame.jpeg());
    assertEquals(1, fake.starts(fake.still).size());
  }

  @Test
  void aHangingCaptureIsKilledAtTheTimeoutWithItsChildren() throws Exception {
    fake.mode(fake.still, "hang");
    StillCapture capture = still(Duration.ofMillis(500));
    IOException error = assertThrows(IOException.class, capture::capture);
    assertTrue(
        error.getMessage().contains("did not finish within 500 ms; killed"), error.getMessage());
    assertEquals(1L, capture.metrics().get("processesKilled"));
    // What the process got to record before the kill (on a busy machine 500 ms may end it before
    // its first line): it and its child must be gone.
    List<Long> recorded = new ArrayList<>(fake.starts(fake.still));
    recorded.addAll(fake.children(fake.still));
    assertTrue(fake.starts(fake.still).size() <= 1, "one process: " + recorded);
    for (long pid : recorded) {
      Await.until(
          () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true),
          "process " + pid + " gone");
    }
  }

  @Test
  void aCrashIsReportedWithoutItsStderrOrCommandLine() throws Exception {
    fake.mode(fake.still, "crash");
    IOException error = assertThrows(IOException.class, () -> still(BOUND).capture());
    assertTrue(
        error
            .getMessage()
            .contains("the capture program exited with 1 (capture #1; details in the log)"),
        error.getMessage());
    // What reaches a client holds neither the program's stderr nor its command line (they are
    // logged).
    assertFalse(error.getMessage().contains("no cameras available"), error.getMessage());
    assertFalse(error.getMessage().contains(fake.still.toString()), error.getMessage());
  }

  @Test
  void concurrentReadsOfASlowCameraStartOneProcess() throws Exception {
    fake.mode(fake.still, "gate"); // the capture ends when the test says, not after a fixed time
    StillCapture capture = still(BOUND);
    SensorInfo info =
        new SensorInfo("cam", "imx477", "camera", false, Duration.ofMillis(500), "test");
    try (ManagedExecutor executor = new ManagedExecutor("cam", 2, 16)) {
      SensorReader reader =
          new SensorReader(
              info,
              executor,
              BOUND,
              () -> {
                capture.capture();
                return Measurement.of(Quality.OK, Map.of("luminosity", Value.of(1, "grey level")));
              },
              reading -> {});
      List<CompletableFuture<Reading>> reads = new ArrayList<>();
      for (int i = 0; i < 20; i++) reads.add(reader.read());
      // All twenty asked while the capture is held: none can have been served from a cache.
      assertTrue(reads.stream().noneMatch(CompletableFuture::isDone), "all waiting on the capture");
      fake.openGate(fake.still);
      Reading first = reads.get(0).get(BOUND.toSeconds(), TimeUnit.SECONDS);
      for (CompletableFuture<Reading> read : reads) {
        assertEquals(first.sequence(), read.get(BOUND.toSeconds(), TimeUnit.SECONDS).sequence());
      }
      assertEquals(1, fake.starts(fake.still).size(), "20 concurrent requests, one rpicam-still");
    }
  }

  @Test
  void aStreamKeepsTheLatestFrameAndRestartsAProcessThatDies() throws Exception {
    fake.mode(fake.vid, "crash-after 5");
    StreamCapture stream =
        new StreamCapture(
            "cam", Commands.line(fake.vid.toString(), "-t 0 --codec mjpeg -o -", 160, 120), BOUND);
    stream.start();
    try {
      CapturedFrame first = stream.capture();
      assertDecodes(first.jpeg());
      Await.until(
          () -> stream.metrics().get("processRestarts").longValue() >= 1,
          "a restart after the crash");
      long before = stream.metrics().get("framesStreamed").longValue();
      Await.until(
          () -> stream.metrics().get("framesStreamed").longValue() > before + 3,
          "frames again after the restart");
      assertTrue(stream.capture().sequence() > first.sequence(), "the latest frame, not the first");
      assertTrue(fake.starts(fake.vid).size() >= 2, "the process was started again");
    } finally {
      stream.close();
    }
    long last = fake.starts(fake.vid).get(fake.starts(fake.vid).size() - 1);
    Await.until(
        () -> ProcessHandle.of(last).map(p -> !p.isAlive()).orElse(true),
        "closing stops the process");
    assertFalse(ProcessHandle.of(last).map(ProcessHandle::isAlive).orElse(false));
  }

  @Test
  void aMissingUsbCameraIsAClearError() {
    V4l2Capture usb = V4l2Capture.device(99, 640, 480);
    IOException error = assertThrows(IOException.class, usb::capture);
    assertEquals("cannot open /dev/video99", error.getMessage());
    usb.close();
    V4l2Capture byPath = V4l2Capture.path(dir.resolve("no-such-camera").toString(), 640, 480);
    error = assertThrows(IOException.class, byPath::capture);
    assertEquals(
        "cannot open " + dir.resolve("no-such-camera") + ": no such device or file",
        error.getMessage());
    byPath.close();
  }

  /**
   * The OpenCV backend reading a real MJPEG recording (this machine has no V4L2 device): every
   * frame is a JPEG of the recorded picture, in order, and the end of the recording starts it over.
   */
  @Test
  void aRecordingIsReplayedFrameByFrameInALoop() throws Exception {
    Path recording = dir.resolve("camera.avi");
    int[] levels = {40, 120, 200};
    VideoWriter writer =
        new VideoWriter(
            recording.toString(),
            org.opencv.videoio.Videoio.CAP_OPENCV_MJPEG,
            VideoWriter.fourcc('M', 'J', 'P', 'G'),
            5,
            new Size(160, 120));
    assertTrue(writer.isOpened(), "OpenCV writes MJPEG AVI without FFmpeg");
    for (int level : levels) {
      Mat frame = new Mat(120, 160, CvType.CV_8UC3, new Scalar(level, level, level));
      writer.write(frame);
      frame.release();
    }
    writer.release();

    V4l2Capture replay = V4l2Capture.path(recording.toString(), 640, 480);
    try {
      List<Long> sequences = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        CapturedFrame frame = replay.capture();
        assertDecodes(frame.jpeg());
        Mat image = Imgcodecs.imdecode(new MatOfByte(frame.jpeg()), Imgcodecs.IMREAD_GRAYSCALE);
        assertEquals(
            levels[i % levels.length],
            Core.mean(image).val[0],
            3.0,
            "frame " + i + " is recorded frame " + i % 3);
        sequences.add(frame.sequence());
      }
      assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), sequences);
      assertTrue(replay.commandLine().contains("camera.avi"), replay.commandLine());
      assertFalse(replay.describe().contains("camera.avi"), "no path in the public description");
    } finally {
      replay.close();
    }
  }

  @Test
  void theMjpegSplitterFindsEveryImageAcrossAnyChunking() {
    byte[] a = {(byte) 0xFF, (byte) 0xD8, 1, 2, (byte) 0xFF, 3, (byte) 0xFF, (byte) 0xD9};
    byte[] b = {(byte) 0xFF, (byte) 0xD8, 9, (byte) 0xFF, (byte) 0xD9};
    byte[] stream = new byte[3 + a.length + b.length];
    stream[0] = 7; // joined mid-stream
    stream[1] = (byte) 0xD9;
    stream[2] = 5;
    System.arraycopy(a, 0, stream, 3, a.length);
    System.arraycopy(b, 0, stream, 3 + a.length, b.length);
    for (int chunk = 1; chunk <= stream.length; chunk++) {
      MjpegSplitter splitter = new MjpegSplitter();
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < stream.length; i += chunk)
        splitter.feed(stream, i, Math.min(chunk, stream.length - i), frames::add);
      assertEquals(2, frames.size(), "chunk " + chunk);
      assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(frames.get(0)));
      assertEquals(java.util.Arrays.toString(b), java.util.Arrays.toString(frames.get(1)));
    }
  }
}
