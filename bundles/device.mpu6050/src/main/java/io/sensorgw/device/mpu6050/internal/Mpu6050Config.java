package io.sensorgw.device.mpu6050.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** One MPU-6050: a factory configuration of PID {@code io.sensorgw.device.mpu6050} per device. */
@ObjectClassDefinition(
    name = "sensorgw MPU-6050 IMU",
    description = "An InvenSense MPU-6050 accelerometer and gyroscope on I2C. One configuration per device.")
@interface Mpu6050Config {
  @AttributeDefinition(name = "Sensor id")
  String sensor_id() default "mpu6050-1";

  @AttributeDefinition(
      name = "Mode",
      options = {
        @Option(value = "hardware", label = "Hardware: Linux I2C (/dev/i2c-N) through Pi4J"),
        @Option(value = "simulated", label = "Simulated: a chip model on Pi4J's mock I2C, marked simulated")
      })
  String mode() default "hardware";

  @AttributeDefinition(name = "I2C bus", description = "1 on a Raspberry Pi (/dev/i2c-1)")
  int i2c_bus() default 1;

  @AttributeDefinition(name = "I2C address", description = "0x68 (AD0 low) or 0x69; decimal 104 or 105")
  int i2c_address() default 0x68;

  @AttributeDefinition(name = "Accelerometer range (g)", options = {
    @Option(value = "2", label = "±2 g"), @Option(value = "4", label = "±4 g"),
    @Option(value = "8", label = "±8 g"), @Option(value = "16", label = "±16 g")})
  int accel_range_g() default 2;

  @AttributeDefinition(name = "Gyroscope range (°/s)", options = {
    @Option(value = "250", label = "±250 °/s"), @Option(value = "500", label = "±500 °/s"),
    @Option(value = "1000", label = "±1000 °/s"), @Option(value = "2000", label = "±2000 °/s")})
  int gyro_range_dps() default 250;

  @AttributeDefinition(name = "Low-pass filter (DLPF_CFG 0-6)",
      description = "0: 260 Hz, 1: 184, 2: 94, 3: 44, 4: 21, 5: 10, 6: 5 Hz")
  int dlpf() default 3;

  @AttributeDefinition(name = "Sample rate (Hz)", description = "The chip's output data rate")
  int sample_rate_hz() default 1000;

  @AttributeDefinition(name = "Sampling interval (ms)",
      description = "Read and publish a sample this often; 0 reads only on request. 1 = 1 kHz")
  long sampling_interval_ms() default 0;

  @AttributeDefinition(name = "Publish interval (ms)",
      description = "Telemetry downsampling: publish at most one sample per interval; 0 publishes all")
  long publish_interval_ms() default 0;

  @AttributeDefinition(name = "Max age (ms)")
  long max_age_ms() default 50;

  @AttributeDefinition(name = "Read timeout (ms)")
  long read_timeout_ms() default 500;

  @AttributeDefinition(name = "Accelerometer offsets (g)", description = "X, Y, Z; set by calibration")
  double[] accel_offset_g() default {0, 0, 0};

  @AttributeDefinition(name = "Gyroscope offsets (°/s)", description = "X, Y, Z; set by calibration")
  double[] gyro_offset_dps() default {0, 0, 0};

  @AttributeDefinition(name = "Simulation seed")
  long simulation_seed() default 1;

  @AttributeDefinition(name = "Simulated WHO_AM_I",
      description = "What the simulated chip answers; 104 (0x68) is an MPU-6050, 112 (0x70) an MPU-6500")
  int simulation_who_am_i() default 0x68;
}
