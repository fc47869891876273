package io.sensorgw.vision.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.vision.FrameAnalysis;
import io.sensorgw.vision.LaserDot;
import io.sensorgw.vision.OpenCv;
import io.sensorgw.vision.SyntheticScene;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/** The analysis on frames this test makes, with known dots and the hard cases. */
class AnalyzerTest {
  private static final int W = 2028;
  private static final int H = 1520;
  private static OpenCvAnalyzer analyzer;

  @BeforeAll
  static void load() {
    OpenCv.load();
    analyzer = new OpenCvAnalyzer(true);
  }

  @AfterAll
  static void stop() {
    analyzer.deactivate();
  }

  private static Mat uniform(double level) {
    return new Mat(H, W, CvType.CV_8UC3, new Scalar(level, level, level));
  }

  /** Gaussian sensor noise of {@code sigma} grey levels on every channel, seeded. */
  private static void noise(Mat bgr, double sigma, long seed) {
    Random random = new Random(seed);
    byte[] pixels = new byte[(int) bgr.total() * 3];
    bgr.get(0, 0, pixels);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] =
          (byte) Math.max(0, Math.min(255, (pixels[i] & 0xFF) + random.nextGaussian() * sigma));
    }
    bgr.put(0, 0, pixels);
  }

  /** Single stuck pixels: pure red and pure white, the worst a sensor does. */
  private static void hotPixels(Mat bgr, int count, long seed) {
    Random random = new Random(seed);
    for (int i = 0; i < count; i++) {
      bgr.put(
          random.nextInt(H),
          random.nextInt(W),
          i % 2 == 0
              ? new byte[] {0, 0, (byte) 255}
              : new byte[] {(byte) 255, (byte) 255, (byte) 255});
    }
  }

  private static void assertDotAt(FrameAnalysis analysis, double x, double y) {
    LaserDot dot = analysis.laser();
    assertTrue(dot.found(), "a dot at " + x + "," + y + " must be found: " + dot);
    assertEquals(x, dot.x(), 2.0, "x of " + dot);
    assertEquals(y, dot.y(), 2.0, "y of " + dot);
    assertTrue(dot.confidence() > 0 && dot.confidence() <= 1, "confidence " + dot.confidence());
  }

  @Test
  void aDotOnADarkScene() {
    Mat frame = uniform(15);
    SyntheticScene.drawDot(frame, 1234.3, 456.7, 4, 1.0);
    assertDotAt(analyzer.analyze(frame), 1234.3, 456.7);
  }

  @Test
  void aDotOnABrightScene() {
    Mat frame = uniform(170);
    SyntheticScene.drawDot(frame, 300.5, 1200.25, 4, 1.0);
    assertDotAt(analyzer.analyze(frame), 300.5, 1200.25);
  }

  @Test
  void aDotInNoise() {
    Mat frame = uniform(80);
    noise(frame, 20, 7);
    SyntheticScene.drawDot(frame, 1800.8, 1400.1, 4, 1.0);
    assertDotAt(analyzer.analyze(frame), 1800.8, 1400.1);
  }

  @Test
  void hotPixelsAreNotADot() {
    Mat frame = uniform(40);
    hotPixels(frame, 2000, 3);
    assertFalse(analyzer.analyze(frame).laser().found(), "stuck pixels are no laser");
    SyntheticScene.drawDot(frame, 1000, 700, 4, 1.0);
    assertDotAt(analyzer.analyze(frame), 1000, 700);
  }

  @Test
  void ofTwoReflectionsTheStrongerWinsWithLessConfidence() {
    Mat single = uniform(30);
    SyntheticScene.drawDot(single, 500, 500, 4, 1.0);
    double alone = analyzer.analyze(single).laser().confidence();

    Mat frame = uniform(30);
    SyntheticScene.drawDot(frame, 500, 500, 4, 1.0);
    SyntheticScene.drawDot(frame, 1500, 900, 3, 0.6); // its reflection on a glossy surface
    FrameAnalysis analysis = analyzer.analyze(frame);
    assertDotAt(analysis, 500, 500);
    assertTrue(
        analysis.laser().confidence() < alone,
        alone + " alone, " + analysis.laser().confidence() + " with a rival");
  }

  @Test
  void aWhiteGlareAndARedObjectAreNotADot() {
    Mat frame = uniform(90);
    Imgproc.circle(frame, new Point(700, 600), 40, new Scalar(255, 255, 255), -1); // specular glare
    Imgproc.rectangle(
        frame, new Rect(1200, 200, 300, 200), new Scalar(30, 30, 210), -1); // a red box
    assertFalse(analyzer.analyze(frame).laser().found(), "glare and a red box");
    SyntheticScene.drawDot(frame, 705, 660, 4, 1.0); // the dot 20 px from the glare's edge
    assertDotAt(analyzer.analyze(frame), 705, 660);
  }

  @Test
  void noDotMeansNotFoundAndNoPosition() {
    Mat frame = uniform(100);
    noise(frame, 10, 11);
    LaserDot dot = analyzer.analyze(frame).laser();
    assertFalse(dot.found());
    assertTrue(Double.isNaN(dot.x()) && Double.isNaN(dot.y()), "no guessed position: " + dot);
  }

  @Test
  void luminosityIsTheMeanGreyAndSharpnessFallsWithBlur() {
    assertEquals(100, analyzer.analyze(uniform(100)).luminosity(), 0.5);
    Mat sharp = uniform(0);
    for (int y = 0; y < H; y += 40) {
      for (int x = (y / 40) % 2 * 40; x < W; x += 80) {
        Imgproc.rectangle(sharp, new Rect(x, y, 40, 40), new Scalar(255, 255, 255), -1);
      }
    }
    Mat blurred = new Mat();
    Imgproc.GaussianBlur(sharp, blurred, new Size(0, 0), 6);
    FrameAnalysis a = analyzer.analyze(sharp);
    FrameAnalysis b = analyzer.analyze(blurred);
    assertEquals(127.5, a.luminosity(), 2);
    assertTrue(a.sharpness() > 10 * b.sharpness(), a.sharpness() + " vs blurred " + b.sharpness());
    assertEquals(W, a.width());
    assertEquals(H, a.height());
  }

  /**
   * Luminosity and sharpness as the textbook computes them on the whole image (grey mean; 64-bit
   * Laplacian, meanStdDev), for frame heights that end the strip pass anywhere: a full strip, one
   * row, a frame shorter than a strip, a frame of one row.
   */
  @Test
  void greyStatisticsAreThoseOfTheWholeImage() {
    for (int[] size : new int[][] {{W, H}, {300, 129}, {300, 128}, {97, 10}, {50, 1}}) {
      Mat frame = new SyntheticScene(5, size[0], size[1]).render(2.0).bgr();
      noise(frame, 8, 5);
      Mat grey = new Mat();
      Imgproc.cvtColor(frame, grey, Imgproc.COLOR_BGR2GRAY);
      Mat laplacian = new Mat();
      Imgproc.Laplacian(grey, laplacian, CvType.CV_64F);
      org.opencv.core.MatOfDouble mean = new org.opencv.core.MatOfDouble();
      org.opencv.core.MatOfDouble deviation = new org.opencv.core.MatOfDouble();
      Core.meanStdDev(laplacian, mean, deviation);
      double sharpness = deviation.get(0, 0)[0] * deviation.get(0, 0)[0];
      String what = size[0] + "x" + size[1];
      assertTrue(sharpness > 10, what + " has texture: " + sharpness);
      OpenCvAnalyzer.GreyStatistics statistics = OpenCvAnalyzer.greyStatistics(frame);
      assertEquals(sharpness, statistics.sharpness(), sharpness * 1e-9, what);
      assertEquals(Core.mean(grey).val[0], statistics.luminosity(), 1e-9, what);
    }
  }

  @Test
  void theParallelAnalysisGivesExactlyWhatTheSequentialOneGives() {
    SyntheticScene scene = new SyntheticScene(9, 4056, 3040);
    Mat frame = scene.render(1.0).bgr();
    OpenCvAnalyzer sequential = new OpenCvAnalyzer(false);
    try {
      FrameAnalysis a = analyzer.analyze(frame);
      FrameAnalysis b = sequential.analyze(frame);
      assertEquals(b.sharpness(), a.sharpness(), b.sharpness() * 1e-9);
      assertEquals(b.luminosity(), a.luminosity(), 1e-9);
      assertEquals(b.laser(), a.laser());
    } finally {
      sequential.deactivate();
    }
  }

  @Test
  void fullResolutionSyntheticScenesAreFoundAndDeterministic() {
    SyntheticScene scene = new SyntheticScene(42, 4056, 3040);
    SyntheticScene twin = new SyntheticScene(42, 4056, 3040);
    int visible = 0;
    int hidden = 0;
    for (int step = 0; step < 40; step++) {
      double t = step * 0.37;
      SyntheticScene.Frame frame = scene.render(t);
      if (step % 10 == 0) {
        Mat other = twin.render(t).bgr();
        Mat difference = new Mat();
        Core.absdiff(frame.bgr(), other, difference);
        assertEquals(0, Core.countNonZero(difference.reshape(1)), "same seed, same frame");
      }
      FrameAnalysis analysis = analyzer.analyze(frame.bgr());
      if (frame.dotVisible()) {
        visible++;
        assertDotAt(analysis, frame.dotX(), frame.dotY());
      } else {
        hidden++;
        assertFalse(
            analysis.laser().found(), "laser off at t=" + t + " but found " + analysis.laser());
      }
      frame.bgr().release();
    }
    assertTrue(
        visible > 20 && hidden > 0, visible + " frames with the dot, " + hidden + " without");
  }

  @Test
  void anOverlayMarksTheDotAndLeavesTheFrameAlone() {
    Mat frame = uniform(20);
    SyntheticScene.drawDot(frame, 900, 800, 4, 1.0);
    Mat before = frame.clone();
    FrameAnalysis analysis = analyzer.analyze(frame);
    Mat marked = analyzer.overlay(frame, analysis);
    Mat difference = new Mat();
    Core.absdiff(frame, before, difference);
    assertEquals(0, Core.countNonZero(difference.reshape(1)), "the frame itself is untouched");
    Core.absdiff(marked, frame, difference);
    assertTrue(Core.countNonZero(difference.reshape(1)) > 100, "the marker is drawn");
  }
}
