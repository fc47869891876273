package io.sensorgw.device.mpu6050.internal;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.io.i2c.I2C;
import com.pi4j.io.i2c.I2CProvider;
import com.pi4j.plugin.linuxfs.provider.i2c.LinuxFsI2CProviderImpl;
import io.sensorgw.api.Calibratable;
import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.Value;
import io.sensorgw.concurrent.ManagedExecutor;
import io.sensorgw.core.ConfigCheck;
import io.sensorgw.core.DeviceSensor;
import io.sensorgw.core.Measurement;
import io.sensorgw.core.SensorReader;
import io.sensorgw.fanout.ReadingPublisher;
import io.sensorgw.reporting.Reporter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
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
 * One MPU-6050 through Pi4J's I2C API: checked and configured on its own executor (never on the
 * activation thread; retried with backoff while the chip is absent), then read as one coherent
 * 14-byte burst per sample, optionally sampled on an interval (up to 1 kHz) with downsampled
 * publication. Simulated mode puts a chip model behind the same API. A bad configuration registers
 * the sensor in ERROR with the reason (see {@link ConfigCheck}).
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
  private final int bus;
  private final int address;
  private final String where;
  private final int accelRange;
  private final int gyroRange;
  private final int dlpf;
  private final int divider;
  private final double[] accelOffset;
  private final double[] gyroOffset;
  private final long simulationSeed;
  private final int simulationWhoAmI;
  private final String simulationPresenceFile;
  private final ConfigurationAdmin configAdmin;
  private final String configPid;

  /** publish.interval.ms: the readings that go to the listeners (every one is still cached). */
  private final Reporter publishing;

  // Set on the executor once the chip is open; read there (acquire, calibrate) and by deactivate.
  private volatile Context pi4j;
  private volatile I2C i2c;

  /**
   * The configuration registers as read back when the chip was opened, by name, for its metrics.
   */
  private volatile Map<String, Number> registersReadBack = Map.of();

  @Activate
  public Mpu6050Sensor(
      Mpu6050Config config,
      Map<String, Object> properties,
      @Reference ReadingPublisher publisher,
      @Reference ConfigurationAdmin configAdmin) {
    ConfigCheck check = new ConfigCheck(properties);
    String id = check.sensorId(config::sensor_id);
    simulated = check.oneOf("mode", config::mode, Mode.class) == Mode.SIMULATED;
    bus = check.intIn("i2c.bus", config::i2c_bus, 0, 255);
    address = check.intIn("i2c.address", config::i2c_address, 0x68, 0x69);
    int accelG = check.oneOf("accel.range.g", config::accel_range_g, Registers.ACCEL_RANGES_G);
    int gyroDps = check.oneOf("gyro.range.dps", config::gyro_range_dps, Registers.GYRO_RANGES_DPS);
    accelRange = Registers.accelRangeIndex(accelG);
    gyroRange = Registers.gyroRangeIndex(gyroDps);
    dlpf = check.intIn("dlpf", config::dlpf, 0, 6);
    // The gyro's output rate, which SMPLRT_DIV divides (by 1 to 256), is 8 kHz with DLPF 0, else 1
    // kHz.
    int sampleRateHz =
        dlpf == 0
            ? check.intIn("sample.rate.hz", config::sample_rate_hz, 32, 8000)
            : check.intIn("sample.rate.hz", config::sample_rate_hz, 4, 1000);
    divider = Registers.sampleRateDivider(sampleRateHz, dlpf);
    Duration samplingInterval =
        Duration.ofMillis(
            check.longIn("sampling.interval.ms", config::sampling_interval_ms, 0, 3_600_000));
    Duration publishInterval = check.publishInterval(config::publish_interval_ms);
    Duration maxAge = check.maxAge(config::max_age_ms);
    Duration readTimeout = check.readTimeout(config::read_timeout_ms);
    accelOffset = check.numbersIn("accel.offset.g", config::accel_offset_g, 3, -16, 16);
    gyroOffset = check.numbersIn("gyro.offset.dps", config::gyro_offset_dps, 3, -2000, 2000);
    simulationSeed =
        check.longIn("simulation.seed", config::simulation_seed, Long.MIN_VALUE, Long.MAX_VALUE);
    simulationWhoAmI = check.intIn("simulation.who.am.i", config::simulation_who_am_i, 0, 255);
    simulationPresenceFile =
        check.text("simulation.presence.file", config::simulation_presence_file, false);
    publishing = Reporter.atMostEvery(publishInterval);
    this.configAdmin = configAdmin;
    this.configPid = (String) properties.get("service.pid");

    where = "I2C bus " + bus + " address 0x" + Integer.toHexString(address);
    info =
        new SensorInfo(
            id,
            "mpu6050",
            "imu",
            simulated,
            maxAge,
            "MPU-6050 on " + where + (simulated ? " (simulated)" : ""));
    ManagedExecutor executor = new ManagedExecutor(id, 1, 64);
    SensorReader reader =
        new SensorReader(
            info, executor, readTimeout, this::acquire, publishing.to(publisher::publish));
    if (attach(reader, executor, check)) {
      openInBackground(
          this::openChip,
          () -> {
            reader.sampleEvery(samplingInterval);
            LOG.info(
                "MPU-6050 {}: ready on {}, ±{} g, ±{} °/s, {} Hz filter, sampling every {} ms",
                id,
                where,
                accelG,
                gyroDps,
                Registers.DLPF_BANDWIDTH_HZ[dlpf],
                samplingInterval.toMillis());
          });
    }
  }

  /**
   * On the executor: a fresh Pi4J context and I2C handle, the chip checked and configured. A failed
   * attempt leaves nothing open behind it; the next one starts from scratch.
   */
  private void openChip() throws IOException {
    I2CProvider provider =
        simulated
            ? new SimulatedChipProvider(
                simulationSeed,
                simulationWhoAmI,
                simulationPresenceFile.isEmpty() ? null : Path.of(simulationPresenceFile))
            : new LinuxFsI2CProviderImpl();
    // Providers are given explicitly: Pi4J's ServiceLoader discovery finds nothing inside OSGi.
    Context context =
        Pi4J.newContextBuilder()
            .noAutoDetectPlatforms()
            .noAutoDetectProviders()
            .noAutoInject()
            .disableShutdownHook()
            .add(provider)
            .build();
    try {
      I2C device =
          provider.create(
              I2C.newConfigBuilder(context)
                  .id("mpu6050-" + info.id())
                  .bus(bus)
                  .device(address)
                  .build());
      configureChip(device);
      pi4j = context;
      i2c = device;
    } catch (RuntimeException | IOException e) {
      context.shutdown();
      throw e instanceof IOException io
          ? io
          : new IOException("MPU-6050 on " + where + ": " + e.getMessage(), e);
    }
  }

  /** Checks the chip, wakes it and writes the configuration, reading every register back. */
  private void configureChip(I2C device) throws IOException {
    int whoAmI = device.readRegister(Registers.WHO_AM_I);
    if (whoAmI != Registers.WHO_AM_I_VALUE) {
      throw new IOException(
          String.format(
              "MPU-6050 on %s: WHO_AM_I is 0x%02X, expected 0x68; not an MPU-6050 or wrong address",
              where, whoAmI));
    }
    Map<String, Number> readBack = new LinkedHashMap<>();
    writeChecked(device, Registers.PWR_MGMT_1, 0x00, readBack); // wake up, internal oscillator
    writeChecked(device, Registers.SMPLRT_DIV, divider, readBack);
    writeChecked(device, Registers.CONFIG, dlpf, readBack);
    writeChecked(device, Registers.GYRO_CONFIG, gyroRange << 3, readBack);
    writeChecked(device, Registers.ACCEL_CONFIG, accelRange << 3, readBack);
    registersReadBack = Collections.unmodifiableMap(readBack);
  }

  private void writeChecked(I2C device, int register, int value, Map<String, Number> readBack)
      throws IOException {
    device.writeRegister(register, (byte) value);
    int read = device.readRegister(register);
    readBack.put(registerName(register), read);
    if (read != value) {
      throw new IOException(
          String.format(
              "MPU-6050 on %s: register 0x%02X reads 0x%02X after writing 0x%02X",
              where, register, read, value));
    }
  }

  /** One coherent sample: a single 14-byte burst from ACCEL_XOUT_H. */
  private Measurement acquire() throws IOException {
    I2C device = openDevice();
    byte[] raw = new byte[Registers.SAMPLE_LENGTH];
    int count = device.readRegister(Registers.ACCEL_XOUT_H, raw, 0, raw.length);
    if (count != raw.length) throw new IOException("short I2C read: " + count + " of 14 bytes");
    Sample sample = Sample.decode(raw, accelRange, gyroRange, accelOffset, gyroOffset);
    Map<String, Value> values = new LinkedHashMap<>();
    String[] axes = {"x", "y", "z"};
    for (int axis = 0; axis < 3; axis++) {
      values.put("accel_" + axes[axis], Value.of(sample.accel()[axis], "g"));
    }
    for (int axis = 0; axis < 3; axis++) {
      values.put(
          "accel_" + axes[axis] + "_ms2",
          Value.of(sample.accel()[axis] * Sample.STANDARD_GRAVITY, "m/s²"));
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
    if (reader().isUnavailable()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(
              "sensor " + info.id() + " cannot be calibrated: " + stateReason()));
    }
    return executor()
        .submit(
            () -> {
              I2C device = openDevice();
              double[] accelSum = new double[3];
              double[] gyroSum = new double[3];
              byte[] raw = new byte[Registers.SAMPLE_LENGTH];
              double[] zero = {0, 0, 0};
              for (int i = 0; i < samples; i++) {
                device.readRegister(Registers.ACCEL_XOUT_H, raw, 0, raw.length);
                Sample sample = Sample.decode(raw, accelRange, gyroRange, zero, zero);
                for (int axis = 0; axis < 3; axis++) {
                  accelSum[axis] += sample.accel()[axis];
                  gyroSum[axis] += sample.gyro()[axis];
                }
              }
              // At rest the gyro reads 0 and the accelerometer 1 g on Z (the chip lies flat).
              double[] accel = {
                accelSum[0] / samples, accelSum[1] / samples, accelSum[2] / samples - 1
              };
              double[] gyro = {gyroSum[0] / samples, gyroSum[1] / samples, gyroSum[2] / samples};
              store(accel, gyro);
              Map<String, Value> offsets = new LinkedHashMap<>();
              String[] axes = {"x", "y", "z"};
              for (int axis = 0; axis < 3; axis++)
                offsets.put("accel_offset_" + axes[axis], Value.of(accel[axis], "g"));
              for (int axis = 0; axis < 3; axis++)
                offsets.put("gyro_offset_" + axes[axis], Value.of(gyro[axis], "°/s"));
              LOG.info("MPU-6050 {}: calibrated from {} samples: {}", info.id(), samples, offsets);
              return offsets;
            });
  }

  /** Writes the offsets into this sensor's configuration; the component restarts with them. */
  private void store(double[] accel, double[] gyro) throws IOException {
    if (configPid == null)
      throw new IOException("sensor " + info.id() + " has no configuration to store offsets in");
    Configuration configuration = configAdmin.getConfiguration(configPid, "?");
    Dictionary<String, Object> properties = configuration.getProperties();
    properties.put("accel.offset.g", accel);
    properties.put("gyro.offset.dps", gyro);
    configuration.updateIfDifferent(properties);
  }

  /** The open chip; the reader lets no read through before it is (see openInBackground). */
  private I2C openDevice() throws IOException {
    I2C device = i2c;
    if (device == null) throw new IOException("MPU-6050 on " + where + " is not open");
    return device;
  }

  /** The chip's bus handle once open, else null; tests look at the simulated chip behind it. */
  I2C i2c() {
    return i2c;
  }

  @Deactivate
  void deactivate() {
    if (!detach(CLOSE_WAIT))
      LOG.warn("MPU-6050 {}: executor did not stop within {}", info.id(), CLOSE_WAIT);
    Context context = pi4j;
    if (context != null) context.shutdown();
  }

  @Override
  protected Map<String, Number> deviceMetrics() {
    Map<String, Number> metrics = new LinkedHashMap<>(registersReadBack);
    metrics.put("published", publishing.reported());
    metrics.put("notPublished", publishing.held());
    return metrics;
  }

  @Override
  protected Map<String, MetricDescription> deviceMetricDescriptions() {
    Map<String, MetricDescription> descriptions = new LinkedHashMap<>();
    for (int register :
        List.of(
            Registers.PWR_MGMT_1,
            Registers.SMPLRT_DIV,
            Registers.CONFIG,
            Registers.GYRO_CONFIG,
            Registers.ACCEL_CONFIG))
      descriptions.put(
          registerName(register),
          MetricDescription.gauge("Configuration register as read back after writing it"));
    descriptions.put("published", MetricDescription.counter("Readings published to listeners"));
    descriptions.put(
        "notPublished", MetricDescription.counter("Readings held back by reporting rules"));
    return descriptions;
  }

  private static String registerName(int register) {
    return String.format("register0x%02X", register);
  }
}
