package io.sensorgw.vision.internal;

import io.sensorgw.vision.FrameAnalysis;
import io.sensorgw.vision.FrameAnalyzer;
import io.sensorgw.vision.LaserDot;
import io.sensorgw.vision.OpenCv;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.imgproc.Imgproc;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The analysis, in two parallel parts (measured faster than one sequential pass on 2 cores; see
 * BENCHMARKS.md): the laser search runs on this component's own thread while the caller's thread
 * computes grey level and sharpness. The laser task never waits on anything, so callers cannot
 * deadlock it, whatever executor they run on.
 */
@Component(service = FrameAnalyzer.class)
public class OpenCvAnalyzer implements FrameAnalyzer {
  private final LaserFinder laserFinder = new LaserFinder();
  private final ExecutorService laserThreads;
  private final boolean parallel;

  @Activate
  public OpenCvAnalyzer() {
    this(true);
  }

  OpenCvAnalyzer(boolean parallel) {
    this.parallel = parallel;
    this.laserThreads =
        Executors.newFixedThreadPool(
            Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())),
            task -> {
              Thread thread = new Thread(task, "sensorgw-vision-laser");
              thread.setDaemon(true);
              return thread;
            });
  }

  @Deactivate
  void deactivate() {
    laserThreads.shutdownNow();
    try {
      laserThreads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public FrameAnalysis analyze(Mat bgr) {
    OpenCv.load();
    if (bgr.empty() || bgr.type() != CvType.CV_8UC3) {
      throw new IllegalArgumentException("expected an 8-bit BGR frame, got " + bgr);
    }
    long start = System.nanoTime();
    CompletableFuture<LaserDot> laser =
        parallel
            ? CompletableFuture.supplyAsync(() -> laserFinder.find(bgr), laserThreads)
            : CompletableFuture.completedFuture(laserFinder.find(bgr));
    GreyStatistics grey = greyStatistics(bgr);
    LaserDot dot = laser.join();
    return new FrameAnalysis(
        grey.luminosity(),
        grey.sharpness(),
        dot,
        bgr.cols(),
        bgr.rows(),
        Duration.ofNanos(System.nanoTime() - start));
  }

  /** Luminosity (mean grey level) and sharpness (variance of the Laplacian of the grey image). */
  record GreyStatistics(double luminosity, double sharpness) {}

  /** Rows per strip: the strip's grey and Laplacian (about 0.8 MB at 4056 wide) stay in cache. */
  private static final int STRIP_ROWS = 64;

  /**
   * One pass over the frame in strips of rows: grey, its sum, its Laplacian (16-bit: no overflow
   * for 8-bit input), and the Laplacian's sum and sum of squares, which give its variance. Whole
   * images went through memory several times (the grey written and read again, a 24 MB Laplacian
   * written and read twice); strips took the analysis median from 17 to 12 ms (BENCHMARKS.md). Each
   * strip's grey is made with the row above and below, so the Laplacian sees the true neighbours,
   * and at the frame's top and bottom OpenCV's default border, exactly as for the whole image.
   * OpenCV's meanStdDev is not used: it has no fast path for 16-bit and alone took 13.6 ms of a
   * 4056x3040 frame here.
   */
  static GreyStatistics greyStatistics(Mat bgr) {
    int rows = bgr.rows();
    int cols = bgr.cols();
    Mat greyBuffer = new Mat(STRIP_ROWS + 2, cols, CvType.CV_8UC1);
    Mat laplacianBuffer = new Mat(STRIP_ROWS, cols, CvType.CV_16SC1);
    double greySum = 0;
    double laplacianSum = 0;
    double laplacianSquares = 0;
    for (int top = 0; top < rows; top += STRIP_ROWS) {
      int bottom = Math.min(rows, top + STRIP_ROWS);
      int greyTop = Math.max(0, top - 1);
      int greyBottom = Math.min(rows, bottom + 1);
      // A strip at the frame's edge gets a grey Mat of its own size: the Laplacian of a view into a
      // bigger Mat reads the rows around the view, which must be the frame's or none.
      Mat grey =
          greyBottom - greyTop == greyBuffer.rows()
              ? greyBuffer
              : new Mat(greyBottom - greyTop, cols, CvType.CV_8UC1);
      Mat source = bgr.rowRange(greyTop, greyBottom);
      Imgproc.cvtColor(source, grey, Imgproc.COLOR_BGR2GRAY);
      Mat strip = grey.rowRange(top - greyTop, bottom - greyTop);
      greySum += Core.sumElems(strip).val[0];
      Mat laplacian = laplacianBuffer.rowRange(0, bottom - top);
      Imgproc.Laplacian(strip, laplacian, CvType.CV_16S);
      laplacianSum += Core.sumElems(laplacian).val[0];
      laplacianSquares += Core.norm(laplacian, Core.NORM_L2SQR);
      release(source, strip, laplacian);
      if (grey != greyBuffer) grey.release();
    }
    release(greyBuffer, laplacianBuffer);
    double count = (double) rows * cols;
    double laplacianMean = laplacianSum / count;
    return new GreyStatistics(
        greySum / count, Math.max(0, laplacianSquares / count - laplacianMean * laplacianMean));
  }

  private static void release(Mat... mats) {
    for (Mat mat : mats) mat.release();
  }

  @Override
  public Mat overlay(Mat bgr, FrameAnalysis analysis) {
    OpenCv.load();
    Mat marked = bgr.clone();
    LaserDot dot = analysis.laser();
    if (dot.found()) {
      int thickness = Math.max(2, bgr.cols() / 800);
      int radius = (int) Math.max(12, dot.size() * 2);
      Point centre = new Point(dot.x(), dot.y());
      Scalar green = new Scalar(0, 255, 0);
      Imgproc.circle(marked, centre, radius, green, thickness);
      Imgproc.line(
          marked,
          new Point(dot.x() - 2 * radius, dot.y()),
          new Point(dot.x() - radius, dot.y()),
          green,
          thickness);
      Imgproc.line(
          marked,
          new Point(dot.x() + radius, dot.y()),
          new Point(dot.x() + 2 * radius, dot.y()),
          green,
          thickness);
      Imgproc.line(
          marked,
          new Point(dot.x(), dot.y() - 2 * radius),
          new Point(dot.x(), dot.y() - radius),
          green,
          thickness);
      Imgproc.line(
          marked,
          new Point(dot.x(), dot.y() + radius),
          new Point(dot.x(), dot.y() + 2 * radius),
          green,
          thickness);
    }
    return marked;
  }
}
