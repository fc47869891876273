package io.sensorgw.device.imx477.internal;

import java.time.Duration;
import java.time.Instant;

/** One frame as the camera delivered it: JPEG bytes, when, and how long the capture took. */
record CapturedFrame(long sequence, byte[] jpeg, Instant capturedAt, Duration captureTime) {}
