package io.sensorgw.vision;

/**
 * The red laser dot in a frame: where (pixels, full frame), how big (diameter in pixels) and how
 * sure (0-1). When there is none, {@code found} is false and there is no position: never a guess.
 */
public record LaserDot(boolean found, double x, double y, double size, double confidence) {
  /** No dot in the frame. */
  public static final LaserDot NONE = new LaserDot(false, Double.NaN, Double.NaN, 0, 0);
}
