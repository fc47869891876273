package io.sensorgw.vision;

import java.time.Duration;

/**
 * What one frame shows: luminosity (mean grey level, 0-255), sharpness (variance of the Laplacian
 * of the grey image; higher is sharper), the laser dot, the frame's size and how long it took.
 */
public record FrameAnalysis(
    double luminosity,
    double sharpness,
    LaserDot laser,
    int width,
    int height,
    Duration analysisTime) {}
