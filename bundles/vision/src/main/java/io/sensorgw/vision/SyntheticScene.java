package io.sensorgw.vision;

import java.util.Random;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * A synthetic camera scene, deterministic for a seed: a textured, unevenly lit background with a
 * few objects, light that drifts slowly, and a red laser dot that moves along a Lissajous path and
 * is switched off now and then. For simulated cameras and for tests, which know where the dot is.
 */
public final class SyntheticScene {
  /** One rendered frame and the truth about its dot. */
  public record Frame(Mat bgr, boolean dotVisible, double dotX, double dotY) {}

  private final int width;
  private final int height;
  private final Mat background;
  private final double phaseX;
  private final double phaseY;
  private final double offPhase;

  public SyntheticScene(long seed, int width, int height) {
    OpenCv.load();
    this.width = width;
    this.height = height;
    Random random = new Random(seed);
    this.phaseX = random.nextDouble() * 2 * Math.PI;
    this.phaseY = random.nextDouble() * 2 * Math.PI;
    this.offPhase = random.nextDouble() * 10;
    this.background = background(random, width, height);
  }

  /**
   * Background at a quarter of the size, scaled up: cheap, smooth light, some objects, sensor
   * noise.
   */
  private static Mat background(Random random, int width, int height) {
    int w = Math.max(1, width / 4);
    int h = Math.max(1, height / 4);
    byte[] pixels = new byte[w * h * 3];
    double tiltX = 30 + random.nextDouble() * 40;
    double tiltY = 20 + random.nextDouble() * 30;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double light = 60 + tiltX * x / w + tiltY * y / h; // uneven lighting, 60..130
        int i = (y * w + x) * 3;
        pixels[i] = (byte) clamp(light * 0.95 + random.nextGaussian() * 3); // slightly warm light
        pixels[i + 1] = (byte) clamp(light + random.nextGaussian() * 3);
        pixels[i + 2] = (byte) clamp(light * 1.02 + random.nextGaussian() * 3);
      }
    }
    Mat small = new Mat(h, w, CvType.CV_8UC3);
    small.put(0, 0, pixels);
    for (int k = 0; k < 6; k++) { // furniture: grey and bluish boxes, never strongly red
      int bw = w / 10 + random.nextInt(Math.max(1, w / 5));
      int bh = h / 10 + random.nextInt(Math.max(1, h / 5));
      int bx = random.nextInt(Math.max(1, w - bw));
      int by = random.nextInt(Math.max(1, h - bh));
      double grey = 30 + random.nextInt(150);
      Imgproc.rectangle(
          small,
          new Rect(bx, by, bw, bh),
          new Scalar(grey + random.nextInt(40), grey, grey - 10),
          -1);
    }
    Mat full = new Mat();
    Imgproc.resize(small, full, new Size(width, height), 0, 0, Imgproc.INTER_LINEAR);
    small.release();
    return full;
  }

  /** The scene at {@code seconds} since the camera started. */
  public Frame render(double seconds) {
    Mat frame = new Mat();
    double drift = 1 + 0.05 * Math.sin(seconds * 0.2); // light drifts ±5 %
    background.convertTo(frame, -1, drift, 0);
    boolean on = Math.sin(seconds * 0.7 + offPhase) > -0.9; // off about 14 % of the time
    double x = width * (0.5 + 0.35 * Math.sin(seconds * 0.9 + phaseX));
    double y = height * (0.5 + 0.35 * Math.sin(seconds * 1.3 + phaseY));
    if (!on) return new Frame(frame, false, Double.NaN, Double.NaN);
    drawDot(frame, x, y, Math.max(2.0, width / 600.0), 1.0);
    return new Frame(frame, true, x, y);
  }

  /**
   * Adds a laser dot centred at ({@code x}, {@code y}) with a Gaussian profile of {@code sigma}
   * pixels: mostly red light, a little bleeding into green and blue as on a Bayer sensor. {@code
   * intensity} 1 saturates red at the centre.
   */
  public static void drawDot(Mat bgr, double x, double y, double sigma, double intensity) {
    int radius = (int) Math.ceil(sigma * 4);
    int x0 = Math.max(0, (int) Math.floor(x) - radius);
    int y0 = Math.max(0, (int) Math.floor(y) - radius);
    int x1 = Math.min(bgr.cols(), (int) Math.floor(x) + radius + 2);
    int y1 = Math.min(bgr.rows(), (int) Math.floor(y) + radius + 2);
    if (x1 <= x0 || y1 <= y0) return;
    Mat roi = bgr.submat(y0, y1, x0, x1);
    byte[] pixels = new byte[(int) (roi.total() * 3)];
    roi.get(0, 0, pixels);
    int w = x1 - x0;
    for (int py = y0; py < y1; py++) {
      for (int px = x0; px < x1; px++) {
        double dx = px + 0.5 - x;
        double dy = py + 0.5 - y;
        double g = intensity * Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
        int i = ((py - y0) * w + (px - x0)) * 3;
        pixels[i] = (byte) clamp((pixels[i] & 0xFF) + 20 * g);
        pixels[i + 1] = (byte) clamp((pixels[i + 1] & 0xFF) + 20 * g);
        pixels[i + 2] = (byte) clamp((pixels[i + 2] & 0xFF) + 255 * g);
      }
    }
    roi.put(0, 0, pixels);
    roi.release();
  }

  private static double clamp(double v) {
    return v < 0 ? 0 : v > 255 ? 255 : v;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }
}
