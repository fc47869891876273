package io.sensorgw.device.imx477.internal;

/** A way to get frames from a camera; {@link #capture} runs on the camera's own executor and may block. */
interface Capture extends AutoCloseable {
  /** Starts what must run before the first capture (a streaming process); nothing by default. */
  default void start() {}

  /** The next frame (a still backend) or the latest one (a streaming backend). */
  CapturedFrame capture() throws Exception;

  /** For logs and the sensor's description. */
  String describe();

  /** Figures for the sensor's statistics (processes started, restarts, ...). */
  default java.util.Map<String, Number> statistics() {
    return java.util.Map.of();
  }

  @Override
  void close();
}
