package io.sensorgw.api;

import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A capability of camera sensors besides {@link Sensor}: the latest frame as an image. Consumers
 * find it by checking the sensor service with {@code instanceof}.
 */
@ProviderType
public interface FrameSource {
  /**
   * The latest frame as JPEG bytes, captured first if there is none yet; with {@code overlay}
   * the detected laser dot is marked. Runs on the sensor's executor; never blocks the caller.
   */
  CompletionStage<byte[]> frameJpeg(boolean overlay);
}
