package io.sensorgw.api;

import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A capability of camera sensors besides {@link Sensor}: the latest frame as an image. Consumers
 * find it by checking the sensor service with {@code instanceof}.
 *
 * <p>Drivers implement it, so it is a consumer type: a method a later 1.x adds comes with a
 * default, and a driver built against an earlier 1.x keeps resolving.
 */
@ConsumerType
public interface FrameSource {
  /**
   * The latest frame as JPEG bytes, captured first if there is none yet; with {@code overlay} the
   * detected laser dot is marked. Runs on the sensor's executor; never blocks the caller.
   */
  CompletionStage<byte[]> frameJpeg(boolean overlay);
}
