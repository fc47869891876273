package io.sensorgw.device.mpu6050.internal;

import io.sensorgw.core.ConfigCheck;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** One MPU-6050: a factory configuration of PID {@code io.sensorgw.device.mpu6050} per device. */
@ObjectClassDefinition(
    name = "sensorgw MPU-6050 IMU",
    description =
        "An InvenSense MPU-6050 accelerometer and gyroscope on I2C. One configuration per device.")
@interface Mpu6050Config {
  @AttributeDefinition(
      name = "Sensor id",
      description = "Unique id, used in routes and topics: 1-64 characters of A-Z a-z 0-9 . _ -")
  String sensor_id() default "mpu6050-1";

  @AttributeDefinition(
      name = "Mode",
      options = {
        @Option(value = "hardware", label = "Hardware: Linux I2C (/dev/i2c-N) through Pi4J"),
        @Option(
            value = "simulated",
            label = "Simulated: a chip model on Pi4J's mock I2C, marked simulated")
      })
  String mode() default "hardware";

  @AttributeDefinition(
      name = "I2C bus",
      description = "0-255; 1 on a Raspberry Pi (/dev/i2c-1)",
      min = "0",
      max = "255")
  int i2c_bus() default 1;

  @AttributeDefinition(
      name = "I2C address",
      description = "0x68 (AD0 low) or 0x69; decimal 104 or 105",
      min = "104",
      max = "105")
  int i2c_address() default 0x68;

  @AttributeDefinition(
      name = "Accelerometer range (g)",
      options = {
        @Option(value = "2", label = "±2 g"), @Option(value = "4", label = "±4 g"),
        @Option(value = "8", label = "±8 g"), @Option(value = "16", label = "±16 g")
      })
  int accel_range_g() default 2;

  @AttributeDefinition(
      name = "Gyroscope range (°/s)",
      options = {
        @Option(value = "250", label = "±250 °/s"), @Option(value = "500", label = "±500 °/s"),
        @Option(value = "1000", label = "±1000 °/s"), @Option(value = "2000", label = "±2000 °/s")
      })
  int gyro_range_dps() default 250;

  @AttributeDefinition(
      name = "Low-pass filter (DLPF_CFG 0-6)",
      description = "0: 260 Hz, 1: 184, 2: 94, 3: 44, 4: 21, 5: 10, 6: 5 Hz",
      min = "0",
      max = "6")
  int dlpf() default 3;

  @AttributeDefinition(
      name = "Sample rate (Hz)",
      description =
          "The chip's output data rate: 4-1000, or 32-8000 with filter 0 (8 kHz gyro output)",
      min = "4",
      max = "8000")
  int sample_rate_hz() default 1000;

  @AttributeDefinition(
      name = "Sampling interval (ms)",
      description =
          "Read and publish a sample this often, 0-3600000; 0 reads only on request. 1 = 1 kHz",
      min = "0",
      max = "3600000")
  long sampling_interval_ms() default 0;

  @AttributeDefinition(
      name = "Publish interval (ms)",
      description =
          "Telemetry downsampling: publish at most one sample per interval, 0-86400000; 0 publishes all",
      min = "0",
      max = "" + ConfigCheck.PUBLISH_INTERVAL_MS_MAX)
  long publish_interval_ms() default 0;

  @AttributeDefinition(
      name = "Max age (ms)",
      description = "How old a served reading may be, 0-3600000",
      min = "0",
      max = "" + ConfigCheck.MAX_AGE_MS_MAX)
  long max_age_ms() default 50;

  @AttributeDefinition(
      name = "Read timeout (ms)",
      description = "1-300000",
      min = "1",
      max = "" + ConfigCheck.READ_TIMEOUT_MS_MAX)
  long read_timeout_ms() default 500;

  @AttributeDefinition(
      name = "Accelerometer offsets (g)",
      description = "X, Y, Z, each -16 to 16; set by calibration",
      min = "-16",
      max = "16")
  double[] accel_offset_g() default {0, 0, 0};

  @AttributeDefinition(
      name = "Gyroscope offsets (°/s)",
      description = "X, Y, Z, each -2000 to 2000; set by calibration",
      min = "-2000",
      max = "2000")
  double[] gyro_offset_dps() default {0, 0, 0};

  @AttributeDefinition(name = "Simulation seed")
  long simulation_seed() default 1;

  @AttributeDefinition(
      name = "Simulated WHO_AM_I",
      description =
          "What the simulated chip answers, 0-255; 104 (0x68) is an MPU-6050, 112 (0x70) an MPU-6500",
      min = "0",
      max = "255")
  int simulation_who_am_i() default 0x68;

  @AttributeDefinition(
      name = "Simulated presence file",
      required = false,
      description =
          "Simulation only: the simulated chip answers only while this file exists, as if "
              + "plugged in; empty: always present")
  String simulation_presence_file() default "";

  /** The Web Console names each configuration by this (a hint, not a setting). */
  @AttributeDefinition(
      name = "Name hint",
      description = "How the Web Console names this configuration")
  String webconsole_configurationFactory_nameHint() default "MPU-6050 {sensor.id} ({mode})";
}
