package io.sensorgw.vision.internal;

import io.sensorgw.vision.LaserDot;
import java.util.ArrayList;
import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.imgproc.Moments;

/**
 * Finds a red laser dot. Search on a downscaled copy (area averaging smooths sensor noise and
 * erases single hot pixels), where "red" means red well above both green and blue and bright;
 * compact blobs only (a red object is not a dot); the strongest blob wins, and a second one of
 * similar strength (a reflection) lowers the confidence. Then the centre is measured at full
 * resolution as the redness-weighted centroid around that blob.
 */
final class LaserFinder {
  /** Red minus max(green, blue) that counts as laser red. */
  static final int REDNESS = 50;

  /** Red level a dot's pixels reach at least. */
  static final int MIN_RED = 120;

  /** Peak redness a dot must reach to be reported at all. */
  static final int MIN_PEAK = 70;

  /** Pixels (full resolution) a dot covers at least at half its peak: fewer is stuck pixels. */
  static final int MIN_PIXELS = 9;

  /** Target width of the search copy. */
  private static final int SEARCH_WIDTH = 1024;

  private record Blob(Rect box, double score, double peak) {}

  LaserDot find(Mat bgr) {
    int scale = Math.max(1, (int) Math.round(bgr.cols() / (double) SEARCH_WIDTH));
    Mat small = shrink(bgr, scale);
    Mat redness = redness(small);
    Mat mask = new Mat();
    Imgproc.threshold(redness, mask, REDNESS - 1, 255, Imgproc.THRESH_BINARY);
    List<Mat> channels = new ArrayList<>();
    Core.split(small, channels);
    Mat bright = new Mat();
    Imgproc.threshold(channels.get(2), bright, MIN_RED - 1, 255, Imgproc.THRESH_BINARY);
    Core.bitwise_and(mask, bright, mask);

    Mat labels = new Mat();
    Mat stats = new Mat();
    Mat centroids = new Mat();
    int count =
        Imgproc.connectedComponentsWithStats(mask, labels, stats, centroids, 8, CvType.CV_32S);
    double maxArea = Math.max(4, small.total() * 0.002); // a dot is small; a red poster is not
    List<Blob> blobs = new ArrayList<>();
    for (int label = 1; label < count; label++) {
      int area = (int) stats.get(label, Imgproc.CC_STAT_AREA)[0];
      if (area > maxArea) continue;
      Rect box =
          new Rect(
              (int) stats.get(label, Imgproc.CC_STAT_LEFT)[0],
              (int) stats.get(label, Imgproc.CC_STAT_TOP)[0],
              (int) stats.get(label, Imgproc.CC_STAT_WIDTH)[0],
              (int) stats.get(label, Imgproc.CC_STAT_HEIGHT)[0]);
      double aspect = box.width / (double) box.height;
      if (aspect > 3 || aspect < 1 / 3.0) continue; // a line or an edge, not a dot
      Mat blobMask = new Mat();
      Core.compare(labels.submat(box), new org.opencv.core.Scalar(label), blobMask, Core.CMP_EQ);
      Core.MinMaxLocResult extremes = Core.minMaxLoc(redness.submat(box), blobMask);
      double sum = Core.sumElems(redness.submat(box)).val[0];
      blobMask.release();
      blobs.add(new Blob(box, sum, extremes.maxVal));
    }
    release(redness, mask, bright, labels, stats, centroids);
    channels.forEach(Mat::release);
    if (small != bgr) small.release();

    // Strongest first; a candidate that turns out to be a speck at full resolution is skipped.
    blobs.sort((a, b) -> Double.compare(b.score(), a.score()));
    for (int i = 0; i < blobs.size(); i++) {
      Blob blob = blobs.get(i);
      if (blob.peak() < MIN_PEAK) continue;
      double rivalRatio = i + 1 < blobs.size() ? blobs.get(i + 1).score() / blob.score() : 0;
      LaserDot dot = refine(bgr, blob, scale, rivalRatio);
      if (dot.found()) return dot;
    }
    return LaserDot.NONE;
  }

  /**
   * Area-averaged copy, 1/scale the size. Halving steps where the scale allows: OpenCV's area
   * resize by 2 has a fast path, and two halvings took 2.4 ms of a 4056x3040 frame here where one
   * resize by 4 took 7.6 ms (the same 4x4 average, rounded once more).
   */
  private static Mat shrink(Mat bgr, int scale) {
    Mat small = bgr;
    while (scale > 1) {
      int step = scale % 2 == 0 ? 2 : scale;
      Mat next = new Mat();
      Imgproc.resize(
          small,
          next,
          new Size(small.cols() / step, small.rows() / step),
          0,
          0,
          Imgproc.INTER_AREA);
      if (small != bgr) small.release();
      small = next;
      scale /= step;
    }
    return small;
  }

  /** The redness-weighted centroid at full resolution, around the blob found in the search copy. */
  private LaserDot refine(Mat bgr, Blob blob, int scale, double rivalRatio) {
    int margin = 2 * scale + blob.box().width * scale;
    int x0 = Math.max(0, blob.box().x * scale - margin);
    int y0 = Math.max(0, blob.box().y * scale - margin);
    int x1 = Math.min(bgr.cols(), (blob.box().x + blob.box().width) * scale + margin);
    int y1 = Math.min(bgr.rows(), (blob.box().y + blob.box().height) * scale + margin);
    Mat roi = bgr.submat(y0, y1, x0, x1);
    Mat redness = redness(roi);
    Core.MinMaxLocResult extremes = Core.minMaxLoc(redness);
    Mat weights = new Mat();
    // Keep the dot (at least half its peak), drop the background around it.
    Imgproc.threshold(redness, weights, extremes.maxVal / 2, 0, Imgproc.THRESH_TOZERO);
    Moments moments = Imgproc.moments(weights, false);
    int pixels = Core.countNonZero(weights);
    release(redness, weights);
    roi.release();
    if (moments.m00 <= 0 || pixels < MIN_PIXELS) return LaserDot.NONE;
    double x = x0 + moments.m10 / moments.m00 + 0.5; // pixel centres
    double y = y0 + moments.m01 / moments.m00 + 0.5;
    double diameter = 2 * Math.sqrt(pixels / Math.PI);
    double strength = Math.min(1, (blob.peak() - MIN_PEAK) / (255.0 - MIN_PEAK) + 0.5);
    double confidence = strength * (1 - 0.5 * Math.min(1, rivalRatio));
    return new LaserDot(true, x, y, diameter, Math.round(confidence * 1000) / 1000.0);
  }

  /** Red minus the larger of green and blue, saturating at 0: high only for red light. */
  static Mat redness(Mat bgr) {
    List<Mat> channels = new ArrayList<>();
    Core.split(bgr, channels);
    Mat others = new Mat();
    Core.max(channels.get(0), channels.get(1), others);
    Mat redness = new Mat();
    Core.subtract(channels.get(2), others, redness);
    others.release();
    channels.forEach(Mat::release);
    return redness;
  }

  private static void release(Mat... mats) {
    for (Mat mat : mats) mat.release();
  }
}
