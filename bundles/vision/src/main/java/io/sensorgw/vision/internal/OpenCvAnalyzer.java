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
    this.laserThreads = Executors.newFixedThreadPool(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())), task -> {
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
    CompletableFuture<LaserDot> laser = parallel
        ? CompletableFuture.supplyAsync(() -> laserFinder.find(bgr), laserThreads)
        : CompletableFuture.completedFuture(laserFinder.find(bgr));
    Mat gray = new Mat();
    Imgproc.cvtColor(bgr, gray, Imgproc.COLOR_BGR2GRAY);
    double luminosity = Core.mean(gray).val[0];
    // The Laplacian stays whole on this thread: splitting it across the laser search's threads
    // (3 busy threads on 2 cores) doubled p90 and p99 (BENCHMARKS.md).
    double sharpness = laplacianVariance(gray);
    gray.release();
    LaserDot dot = laser.join();
    return new FrameAnalysis(luminosity, sharpness, dot, bgr.cols(), bgr.rows(),
        Duration.ofNanos(System.nanoTime() - start));
  }

  /**
   * Variance of the Laplacian, from its sum and its sum of squares. The Laplacian is 16-bit (no
   * overflow for 8-bit input, half the memory of 32-bit float); OpenCV's meanStdDev has no fast
   * path for 16-bit and took 13.6 ms of a 4056x3040 frame here, sum and norm take 1.3 ms together.
   */
  private static double laplacianVariance(Mat gray) {
    Mat laplacian = new Mat();
    Imgproc.Laplacian(gray, laplacian, CvType.CV_16S);
    double count = laplacian.total();
    double mean = Core.sumElems(laplacian).val[0] / count;
    double meanOfSquares = Core.norm(laplacian, Core.NORM_L2SQR) / count;
    laplacian.release();
    return Math.max(0, meanOfSquares - mean * mean);
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
      Imgproc.line(marked, new Point(dot.x() - 2 * radius, dot.y()), new Point(dot.x() - radius, dot.y()), green, thickness);
      Imgproc.line(marked, new Point(dot.x() + radius, dot.y()), new Point(dot.x() + 2 * radius, dot.y()), green, thickness);
      Imgproc.line(marked, new Point(dot.x(), dot.y() - 2 * radius), new Point(dot.x(), dot.y() - radius), green, thickness);
      Imgproc.line(marked, new Point(dot.x(), dot.y() + radius), new Point(dot.x(), dot.y() + 2 * radius), green, thickness);
    }
    return marked;
  }
}
