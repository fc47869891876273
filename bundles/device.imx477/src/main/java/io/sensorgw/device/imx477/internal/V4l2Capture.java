package io.sensorgw.device.imx477.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.videoio.VideoCapture;
import org.opencv.videoio.Videoio;

/**
 * A USB camera through OpenCV's V4L2 backend, by index or by device path (a path under
 * /dev/v4l/by-id stays the same across reboots and replugging). A path may also name an MJPEG AVI
 * recording, replayed in a loop, so the backend runs without a camera. (Not for the IMX477 on a Pi:
 * V4L2 gives its raw Bayer data; see DEVICES.md.) Opened on first use; a failed grab reopens the
 * source once at once (a replugged camera, a recording at its end) before it is an error.
 */
final class V4l2Capture implements Capture {
  private final int index; // -1: opened by path
  private final String source;
  private final int
      api; // OpenCV's backend: V4L2 for a device, its own MJPEG reader for a recording
  private final int width;
  private final int height;
  private final AtomicLong sequence = new AtomicLong();
  private VideoCapture camera; // guarded by this: one capture at a time

  private V4l2Capture(int index, String source, int width, int height) {
    this.index = index;
    this.source = source;
    this.api =
        index >= 0 || source.startsWith("/dev/") ? Videoio.CAP_V4L2 : Videoio.CAP_OPENCV_MJPEG;
    this.width = width;
    this.height = height;
  }

  static V4l2Capture device(int index, int width, int height) {
    return new V4l2Capture(index, "/dev/video" + index, width, height);
  }

  /** A device node, or a recording OpenCV can read without FFmpeg (MJPEG AVI). */
  static V4l2Capture path(String path, int width, int height) {
    return new V4l2Capture(-1, path, width, height);
  }

  @Override
  public synchronized CapturedFrame capture() throws Exception {
    Instant at = Instant.now();
    long begin = System.nanoTime();
    Mat frame = new Mat();
    try {
      if (!grab(frame)) {
        release();
        if (!grab(frame)) {
          release();
          throw new IOException("no frame from " + source);
        }
      }
      MatOfByte jpeg = new MatOfByte();
      Imgcodecs.imencode(".jpg", frame, jpeg, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 90));
      byte[] bytes = jpeg.toArray();
      jpeg.release();
      return new CapturedFrame(
          sequence.incrementAndGet(), bytes, at, Duration.ofNanos(System.nanoTime() - begin));
    } finally {
      frame.release();
    }
  }

  /** Opens the source if needed and reads one frame; false if there was none. */
  private boolean grab(Mat frame) throws IOException {
    if (camera == null || !camera.isOpened()) {
      if (index < 0 && !Files.exists(Path.of(source))) { // OpenCV would only log its own complaint
        throw new IOException("cannot open " + source + ": no such device or file");
      }
      camera = index >= 0 ? new VideoCapture(index, api) : new VideoCapture(source, api);
      if (!camera.isOpened()) {
        release();
        throw new IOException("cannot open " + source);
      }
      camera.set(
          Videoio.CAP_PROP_FRAME_WIDTH, width); // a camera's nearest mode; a recording ignores it
      camera.set(Videoio.CAP_PROP_FRAME_HEIGHT, height);
    }
    return camera.read(frame) && !frame.empty();
  }

  private void release() {
    if (camera != null) camera.release();
    camera = null;
  }

  @Override
  public String describe() {
    return api == Videoio.CAP_V4L2 ? "a V4L2 video device" : "an MJPEG recording";
  }

  @Override
  public String commandLine() {
    return source + (api == Videoio.CAP_V4L2 ? " (V4L2)" : " (MJPEG recording)");
  }

  @Override
  public synchronized void close() {
    release();
  }
}
