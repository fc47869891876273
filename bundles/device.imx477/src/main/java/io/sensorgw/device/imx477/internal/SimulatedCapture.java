package io.sensorgw.device.imx477.internal;

import io.sensorgw.vision.SyntheticScene;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * A simulated camera: the vision bundle's synthetic scene (seeded) at the time since start, encoded
 * as JPEG like a real camera's output, after a plausible exposure and readout time.
 */
final class SimulatedCapture implements Capture {
  private final long seed;
  private final int width;
  private final int height;
  private final Duration captureTime;
  private SyntheticScene scene; // made on the first capture: OpenCV loads then, not at start-up
  private final long startNanos = System.nanoTime();
  private final AtomicLong sequence = new AtomicLong();

  SimulatedCapture(long seed, int width, int height, Duration captureTime) {
    this.seed = seed;
    this.width = width;
    this.height = height;
    this.captureTime = captureTime;
  }

  @Override
  public synchronized CapturedFrame capture() throws Exception {
    if (scene == null) scene = new SyntheticScene(seed, width, height);
    Instant at = Instant.now();
    long begin = System.nanoTime();
    SyntheticScene.Frame frame = scene.render((begin - startNanos) / 1e9);
    MatOfByte jpeg = new MatOfByte();
    Imgcodecs.imencode(".jpg", frame.bgr(), jpeg, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 90));
    frame.bgr().release();
    byte[] bytes = jpeg.toArray();
    jpeg.release();
    long left = captureTime.toNanos() - (System.nanoTime() - begin);
    if (left > 0) TimeUnit.NANOSECONDS.sleep(left); // exposure and readout of a real sensor
    return new CapturedFrame(
        sequence.incrementAndGet(), bytes, at, Duration.ofNanos(System.nanoTime() - begin));
  }

  @Override
  public String describe() {
    return "a simulated " + width + "x" + height + " scene";
  }

  @Override
  public void close() {}
}
