package io.sensorgw.device.imx477.internal;

import io.sensorgw.api.MetricDescription;

/**
 * A way to get frames from a camera; {@link #capture} runs on the camera's own executor and may
 * block.
 */
interface Capture extends AutoCloseable {
  /** Starts what must run before the first capture (a streaming process); nothing by default. */
  default void start() {}

  /** The next frame (a still backend) or the latest one (a streaming backend). */
  CapturedFrame capture() throws Exception;

  /** What kind of capture, for the sensor's public description (no command line, no path). */
  String describe();

  /** For the log only: the program and arguments, or the device, it uses. */
  default String commandLine() {
    return describe();
  }

  /** What each of the captures' {@link #metrics()} is, by name. */
  java.util.Map<String, MetricDescription> DESCRIPTIONS =
      java.util.Map.of(
          "processesStarted", MetricDescription.counter("Capture processes started"),
          "processesKilled", MetricDescription.counter("Capture processes killed, overrunning"),
          "processesFailed", MetricDescription.counter("Capture processes that failed"),
          "processRestarts", MetricDescription.counter("Streaming capture process restarted"),
          "framesStreamed", MetricDescription.counter("Frames read from the streaming process"));

  /** Metrics for the sensor's own (processes started, restarts, ...). */
  default java.util.Map<String, Number> metrics() {
    return java.util.Map.of();
  }

  @Override
  void close();
}
