package io.sensorgw.device.mpu6050.internal;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.i2c.I2C;
import com.pi4j.io.i2c.I2CProvider;
import com.pi4j.plugin.linuxfs.provider.i2c.LinuxFsI2CProviderImpl;
import io.sensorgw.api.Calibratable;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.Value;
import io.sensorgw.core.DeviceSensor;
import io.sensorgw.core.ManagedExecutor;
import io.sensorgw.core.PublishThrottle;
import io.sensorgw.core.Measurement;
import io.sensorgw.core.ReadingPublisher;
import io.sensorgw.core.SensorReader;
import java.io.IOException;
import java.time.Duration;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MPU-6050 through Pi4J's I2C API: checked and configured at activation, then read as one
 * coherent 14-byte burst per sample on its own executor, optionally sampled on an interval (up to
 * 1 kHz) with downsampled publication. Simulated mode puts a chip model behind the same API.
 */
@Component(
    service = {Sensor.class, Calibratable.class},
    configurationPid = Mpu6050Sensor.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    property = {Sensor.SENSOR_MODEL + "=mpu6050", Sensor.SENSOR_KIND + "=imu"})
@Designate(ocd = Mpu6050Config.class, factory = true)
public class Mpu6050Sensor extends DeviceSensor implements Calibratable {
  static final String PID = "io.sensorgw.device.mpu6050";
  private static final Logger LOG = LoggerFactory.getLogger(Mpu6050Sensor.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(3);

  private final SensorInfo info;
  private final boolean simulated;
  private final int accelRange;
  private final int gyroRange;
  private final double[] accelOffset;
  private final double[] gyroOffset;
  private final Context pi4j;
  private final I2C i2c;
  private final ConfigurationAdmin configAdmin;
  private final String configPid;
  private final PublishThrottle throttle;
  /** The configuration registers as read back at start, by name, for statistics. */
  private final Map<String, Number> registersReadBack = new LinkedHashMap<>();

  @Activate
  public Mpu6050Sensor(Mpu6050Config config, Map<String, Object> properties,
      @Reference ReadingPublisher publisher, @Reference ConfigurationAdmin configAdmin)
      throws IOException {
    String id = config.sensor_id();
    if (id == null || id.isBlank()) throw new IllegalArgumentException("sensor.id must not be empty");
    simulated = switch (config.mode()) {
      case "simulated" -> true;
      case "hardware" -> false;
      default -> throw new IllegalArgumentException(
          "MPU-6050 " + id + ": mode must be hardware or simulated, was " + config.mode());
    };
    accelRange = Registers.accelRangeIndex(config.accel_range_g());
    gyroRange = Registers.gyroRangeIndex(config.gyro_range_dps());
    if (config.dlpf() < 0 || config.dlpf() > 6) {
      throw new IllegalArgumentException("MPU-6050 " + id + ": dlpf must be 0-6, was " + config.dlpf());
    }
    int divider = Registers.sampleRateDivider(config.sample_rate_hz(), config.dlpf());
    accelOffset = offsets(config.accel_offset_g(), "accel.offset.g");
    gyroOffset = offsets(config.gyro_offset_dps(), "gyro.offset.dps");
    throttle = new PublishThrottle(Duration.ofMillis(config.publish_interval_ms()), publisher::publish);
    this.configAdmin = configAdmin;
    this.configPid = (String) properties.get("service.pid");

    I2CProvider provider = simulated
        ? new SimulatedChipProvider(config.simulation_seed(), config.simulation_who_am_i())
        : new LinuxFsI2CProviderImpl();
    // Providers are given explicitly: Pi4J's ServiceLoader discovery finds nothing inside OSGi.
    pi4j = Pi4J.newContextBuilder().noAutoDetectPlatforms().noAutoDetectProviders()
        .noAutoInject().disableShutdownHook().add(provider).build();
    String where = "I2C bus " + config.i2c_bus() + " address 0x" + Integer.toHexString(config.i2c_address());
    try {
      i2c = provider.create(I2C.newConfigBuilder(pi4j).id("mpu6050-" + id)
          .bus(config.i2c_bus()).device(config.i2c_address()).build());
      configureChip(id, where, config.dlpf(), divider);
    } catch (RuntimeException | IOException e) {
      pi4j.shutdown();
      throw e instanceof IOException io ? io
          : new IOException("MPU-6050 " + id + " on " + where + ": " + e.getMessage(), e);
    }
    info = new SensorInfo(id, "mpu6050", "imu", simulated, Duration.ofMillis(config.max_age_ms()),
        "MPU-6050 on " + where + (simulated ? " (simulated)" : ""));
    ManagedExecutor executor = new ManagedExecutor(id, 1, 64);
    SensorReader reader = new SensorReader(info, executor,
        Duration.ofMillis(config.read_timeout_ms()), this::acquire, throttle);
    attach(reader, executor);
    reader.sampleEvery(Duration.ofMillis(config.sampling_interval_ms()));
    LOG.info("MPU-6050 {}: ready on {}, ±{} g, ±{} °/s, {} Hz filter, sampling every {} ms", id, where,
        config.accel_range_g(), config.gyro_range_dps(), Registers.DLPF_BANDWIDTH_HZ[config.dlpf()],
        config.sampling_interval_ms());
  }

  /** Checks the chip, wakes it and writes the configuration, reading every register back. */
  private void configureChip(String id, String where, int dlpf, int divider) throws IOException {
    int whoAmI = i2c.readRegister(Registers.WHO_AM_I);
    if (whoAmI != Registers.WHO_AM_I_VALUE) {
      throw new IOException(String.format(
          "MPU-6050 %s on %s: WHO_AM_I is 0x%02X, expected 0x68; not an MPU-6050 or wrong address",
          id, where, whoAmI));
    }
    writeChecked(Registers.PWR_MGMT_1, 0x00, id); // wake up, internal oscillator
    writeChecked(Registers.SMPLRT_DIV, divider, id);
    writeChecked(Registers.CONFIG, dlpf, id);
    writeChecked(Registers.GYRO_CONFIG, gyroRange << 3, id);
    writeChecked(Registers.ACCEL_CONFIG, accelRange << 3, id);
  }

  private void writeChecked(int register, int value, String id) throws IOException {
    i2c.writeRegister(register, (byte) value);
    int readBack = i2c.readRegister(register);
    registersReadBack.put(String.format("register0x%02X", register), readBack);
    if (readBack != value) {
      throw new IOException(String.format("MPU-6050 %s: register 0x%02X reads 0x%02X after writing 0x%02X",
          id, register, readBack, value));
    }
  }

  /** One coherent sample: a single 14-byte burst from ACCEL_XOUT_H. */
  private Measurement acquire() throws IOException {
    byte[] raw = new byte[Registers.SAMPLE_LENGTH];
    int count = i2c.readRegister(Registers.ACCEL_XOUT_H, raw, 0, raw.length);
    if (count != raw.length) throw new IOException("short I2C read: " + count + " of 14 bytes");
    Sample sample = Sample.decode(raw, accelRange, gyroRange, accelOffset, gyroOffset);
    Map<String, Value> values = new LinkedHashMap<>();
    String[] axes = {"x", "y", "z"};
    for (int axis = 0; axis < 3; axis++) {
      values.put("accel_" + axes[axis], Value.of(sample.accel()[axis], "g"));
    }
    for (int axis = 0; axis < 3; axis++) {
      values.put("accel_" + axes[axis] + "_ms2", Value.of(sample.accel()[axis] * Sample.STANDARD_GRAVITY, "m/s²"));
    }
    for (int axis = 0; axis < 3; axis++) {
      values.put("gyro_" + axes[axis], Value.of(sample.gyro()[axis], "°/s"));
    }
    values.put("temperature", Value.of(sample.celsius(), "°C"));
    return Measurement.of(simulated ? Quality.SIMULATED : Quality.OK, values);
  }

  @Override
  public CompletionStage<Map<String, Value>> calibrate(int samples) {
    if (samples < 1 || samples > 100_000) {
      throw new IllegalArgumentException("samples must be 1-100000, was " + samples);
    }
    return executor().submit(() -> {
      double[] accelSum = new double[3];
      double[] gyroSum = new double[3];
      byte[] raw = new byte[Registers.SAMPLE_LENGTH];
      double[] zero = {0, 0, 0};
      for (int i = 0; i < samples; i++) {
        i2c.readRegister(Registers.ACCEL_XOUT_H, raw, 0, raw.length);
        Sample sample = Sample.decode(raw, accelRange, gyroRange, zero, zero);
        for (int axis = 0; axis < 3; axis++) {
          accelSum[axis] += sample.accel()[axis];
          gyroSum[axis] += sample.gyro()[axis];
        }
      }
      // At rest the gyro reads 0 and the accelerometer 1 g on Z (the chip lies flat).
      double[] accel = {accelSum[0] / samples, accelSum[1] / samples, accelSum[2] / samples - 1};
      double[] gyro = {gyroSum[0] / samples, gyroSum[1] / samples, gyroSum[2] / samples};
      store(accel, gyro);
      Map<String, Value> offsets = new LinkedHashMap<>();
      String[] axes = {"x", "y", "z"};
      for (int axis = 0; axis < 3; axis++) offsets.put("accel_offset_" + axes[axis], Value.of(accel[axis], "g"));
      for (int axis = 0; axis < 3; axis++) offsets.put("gyro_offset_" + axes[axis], Value.of(gyro[axis], "°/s"));
      LOG.info("MPU-6050 {}: calibrated from {} samples: {}", info.id(), samples, offsets);
      return offsets;
    });
  }

  /** Writes the offsets into this sensor's configuration; the component restarts with them. */
  private void store(double[] accel, double[] gyro) throws IOException {
    if (configPid == null) throw new IOException("sensor " + info.id() + " has no configuration to store offsets in");
    Configuration configuration = configAdmin.getConfiguration(configPid, "?");
    Dictionary<String, Object> properties = configuration.getProperties();
    properties.put("accel.offset.g", accel);
    properties.put("gyro.offset.dps", gyro);
    configuration.updateIfDifferent(properties);
  }

  /** The chip's bus handle; tests look at the simulated chip behind it. */
  I2C i2c() {
    return i2c;
  }

  @Deactivate
  void deactivate() {
    if (!detach(CLOSE_WAIT)) LOG.warn("MPU-6050 {}: executor did not stop within {}", info.id(), CLOSE_WAIT);
    pi4j.shutdown();
  }

  private static double[] offsets(double[] values, String name) {
    if (values == null || values.length == 0) return new double[3];
    if (values.length != 3) throw new IllegalArgumentException(name + " needs 3 values (X, Y, Z)");
    return values.clone();
  }

  @Override
  protected Map<String, Number> deviceStatistics() {
    Map<String, Number> stats = new LinkedHashMap<>(registersReadBack);
    stats.put("published", throttle.passed());
    stats.put("notPublished", throttle.held());
    return stats;
  }
}
