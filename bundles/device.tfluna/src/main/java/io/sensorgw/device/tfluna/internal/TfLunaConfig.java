package io.sensorgw.device.tfluna.internal;

import io.sensorgw.core.ConfigCheck;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** One TF-Luna: a factory configuration of PID {@code io.sensorgw.device.tfluna} per device. */
@ObjectClassDefinition(
    name = "sensorgw TF-Luna LiDAR",
    description = "A Benewake TF-Luna on a serial port (UART, 8N1). One configuration per device.")
@interface TfLunaConfig {
  @AttributeDefinition(
      name = "Sensor id",
      description = "Unique id, used in routes and topics: 1-64 characters of A-Z a-z 0-9 . _ -")
  String sensor_id() default "tfluna-1";

  @AttributeDefinition(
      name = "Mode",
      options = {
        @Option(value = "hardware", label = "Hardware: read the serial port"),
        @Option(value = "simulated", label = "Simulated: generated frames, marked simulated")
      })
  String mode() default "hardware";

  @AttributeDefinition(
      name = "Serial port",
      description = "e.g. /dev/serial0 or /dev/ttyUSB0 (hardware mode)")
  String port() default "/dev/serial0";

  @AttributeDefinition(
      name = "Baud rate",
      description = "9600-921600; the sensor's default is 115200",
      min = "9600",
      max = "921600")
  int baud_rate() default 115200;

  @AttributeDefinition(
      name = "Output rate (Hz)",
      description = "1-250; sent to the sensor at start",
      min = "1",
      max = "250")
  int output_rate_hz() default 100;

  @AttributeDefinition(
      name = "Output format",
      options = {
        @Option(value = "cm", label = "centimetres"),
        @Option(value = "mm", label = "millimetres")
      })
  String output_format() default "cm";

  @AttributeDefinition(
      name = "Publish interval (ms)",
      description =
          "Telemetry downsampling: at most one frame per interval goes to MQTT, the store and "
              + "the stream, 0-86400000; 0 publishes every frame. Reads always get the latest frame.",
      min = "0",
      max = "" + ConfigCheck.PUBLISH_INTERVAL_MS_MAX)
  long publish_interval_ms() default 0;

  @AttributeDefinition(
      name = "Max age (ms)",
      description = "How old a served reading may be, 0-3600000",
      min = "0",
      max = "" + ConfigCheck.MAX_AGE_MS_MAX)
  long max_age_ms() default 100;

  @AttributeDefinition(
      name = "Read timeout (ms)",
      description = "How long a read waits for a frame, 1-300000",
      min = "1",
      max = "" + ConfigCheck.READ_TIMEOUT_MS_MAX)
  long read_timeout_ms() default 1000;

  @AttributeDefinition(name = "Simulation seed", description = "Same seed, same simulated frames")
  long simulation_seed() default 1;

  /** The Web Console names each configuration by this (a hint, not a setting). */
  @AttributeDefinition(
      name = "Name hint",
      description = "How the Web Console names this configuration")
  String webconsole_configurationFactory_nameHint() default "TF-Luna {sensor.id} ({mode})";
}
