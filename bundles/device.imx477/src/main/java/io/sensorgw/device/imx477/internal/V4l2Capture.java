package io.sensorgw.device.imx477.internal;

import java.io.IOException;
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
 * A USB camera through OpenCV's V4L2 backend. (Not for the IMX477 on a Pi: V4L2 gives its raw
 * Bayer data; see DEVICES.md.) Opened on first use and reopened after a failed grab.
 */
final class V4l2Capture implements Capture {
  private final int device;
  private final int width;
  private final int height;
  private final AtomicLong sequence = new AtomicLong();
  private VideoCapture camera; // only touched on the camera's executor, one capture at a time

  V4l2Capture(int device, int width, int height) {
    this.device = device;
    this.width = width;
    this.height = height;
  }

  @Override
  public synchronized CapturedFrame capture() throws Exception {
    if (camera == null || !camera.isOpened()) {
      camera = new VideoCapture(device, Videoio.CAP_V4L2);
      if (!camera.isOpened()) throw new IOException("cannot open /dev/video" + device);
      camera.set(Videoio.CAP_PROP_FRAME_WIDTH, width);
      camera.set(Videoio.CAP_PROP_FRAME_HEIGHT, height);
    }
    Instant at = Instant.now();
    long begin = System.nanoTime();
    Mat frame = new Mat();
    if (!camera.read(frame) || frame.empty()) {
      camera.release();
      camera = null;
      throw new IOException("no frame from /dev/video" + device);
    }
    MatOfByte jpeg = new MatOfByte();
    Imgcodecs.imencode(".jpg", frame, jpeg, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 90));
    frame.release();
    return new CapturedFrame(sequence.incrementAndGet(), jpeg.toArray(), at, Duration.ofNanos(System.nanoTime() - begin));
  }

  @Override
  public String describe() {
    return "/dev/video" + device + " (V4L2)";
  }

  @Override
  public synchronized void close() {
    if (camera != null) camera.release();
  }
}
