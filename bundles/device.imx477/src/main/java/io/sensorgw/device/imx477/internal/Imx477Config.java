package io.sensorgw.device.imx477.internal;

import io.sensorgw.core.ConfigCheck;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
    name = "sensorgw IMX477 camera",
    description = "Raspberry Pi HQ camera (IMX477) or another camera; one configuration per camera")
@interface Imx477Config {
  @AttributeDefinition(
      name = "Sensor id",
      description = "Unique id, used in routes and topics: 1-64 characters of A-Z a-z 0-9 . _ -")
  String sensor_id() default "imx477-1";

  @AttributeDefinition(
      name = "Backend",
      options = {
        @Option(
            value = "simulated",
            label = "simulated: a synthetic scene with a moving laser dot"),
        @Option(value = "still", label = "still: one rpicam-still process per frame"),
        @Option(
            value = "stream",
            label = "stream: one long-running rpicam-vid (MJPEG), latest frame kept"),
        @Option(value = "v4l2", label = "v4l2: a USB camera through OpenCV")
      })
  String backend() default "simulated";

  @AttributeDefinition(
      name = "Width",
      description = "Pixels, 16-4056; the IMX477's full frame is 4056",
      min = "16",
      max = "4056")
  int width() default 4056;

  @AttributeDefinition(
      name = "Height",
      description = "Pixels, 16-3040; the IMX477's full frame is 3040",
      min = "16",
      max = "3040")
  int height() default 3040;

  @AttributeDefinition(
      name = "Still command",
      description = "rpicam-still, or libcamera-still on older systems")
  String still_command() default "rpicam-still";

  @AttributeDefinition(
      name = "Still arguments",
      description = "{width}, {height} are replaced; the JPEG must go to stdout (-o -)")
  String still_arguments() default
      "-n --immediate -t 1 -e jpg -q 90 --width {width} --height {height} -o -";

  @AttributeDefinition(name = "Stream command", description = "rpicam-vid, or libcamera-vid")
  String stream_command() default "rpicam-vid";

  @AttributeDefinition(
      name = "Stream arguments",
      description = "{width}, {height} are replaced; MJPEG to stdout")
  String stream_arguments() default
      "-n -t 0 --codec mjpeg -q 90 --framerate 5 --width {width} --height {height} -o -";

  @AttributeDefinition(
      name = "V4L2 device index",
      description = "0-255; 0 for /dev/video0",
      min = "0",
      max = "255")
  int v4l2_device() default 0;

  @AttributeDefinition(
      name = "V4L2 device path",
      description =
          "Instead of the index: a device path (e.g. /dev/v4l/by-id/usb-...-video-index0, stable "
              + "across reboots), or an MJPEG AVI recording to replay in a loop")
  String v4l2_path() default "";

  @AttributeDefinition(
      name = "Capture timeout (ms)",
      description = "100-900000; a capture process still running after this is killed",
      min = "100",
      max = "900000")
  long capture_timeout_ms() default 15_000;

  @AttributeDefinition(
      name = "Max age (ms)",
      description = "A frame younger than this is reused, 0-3600000",
      min = "0",
      max = "" + ConfigCheck.MAX_AGE_MS_MAX)
  long max_age_ms() default 500;

  @AttributeDefinition(
      name = "Serve stale",
      description =
          "When the frame is older than max age, answer at once with it (quality stale, with its age) while one capture runs")
  boolean serve_stale() default true;

  @AttributeDefinition(
      name = "Publish interval (ms)",
      description =
          "At most one reading per interval to MQTT, the store and the stream, 0-86400000",
      min = "0",
      max = "" + ConfigCheck.PUBLISH_INTERVAL_MS_MAX)
  long publish_interval_ms() default 0;

  @AttributeDefinition(name = "Simulation seed")
  long simulation_seed() default 1;

  @AttributeDefinition(
      name = "Simulated capture (ms)",
      description = "How long a simulated capture takes (exposure and readout), 0-60000",
      min = "0",
      max = "60000")
  long simulation_capture_ms() default 200;

  /** The Web Console names each configuration by this (a hint, not a setting). */
  @AttributeDefinition(
      name = "Name hint",
      description = "How the Web Console names this configuration")
  String webconsole_configurationFactory_nameHint() default "IMX477 {sensor.id} ({backend})";
}
