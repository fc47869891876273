package io.sensorgw.vision;

import org.opencv.core.Mat;
import org.osgi.annotation.versioning.ProviderType;

/** The vision service. Thread-safe; loads OpenCV's natives on first use ({@link OpenCv}). */
@ProviderType
public interface FrameAnalyzer {
  /** Analyses an 8-bit, 3-channel BGR frame (as {@code Imgcodecs.imdecode} returns it). */
  FrameAnalysis analyze(Mat bgr);

  /**
   * A copy of {@code bgr} with the found laser dot marked; an unmarked copy when none was found.
   */
  Mat overlay(Mat bgr, FrameAnalysis analysis);
}
