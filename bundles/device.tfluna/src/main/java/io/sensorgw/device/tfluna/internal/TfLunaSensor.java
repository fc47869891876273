package io.sensorgw.device.tfluna.internal;

import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.Value;
import io.sensorgw.concurrent.ManagedExecutor;
import io.sensorgw.concurrent.ReconnectLoop;
import io.sensorgw.core.ConfigCheck;
import io.sensorgw.core.DeviceSensor;
import io.sensorgw.core.Measurement;
import io.sensorgw.core.SensorReader;
import io.sensorgw.fanout.ReadingPublisher;
import io.sensorgw.reporting.Reporter;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TF-Luna. Its own thread reads the byte stream continuously, every decoded frame becomes a
 * reading, and reads are served from the latest frame; no caller ever touches the port. When the
 * port fails the sensor is in error and reopens it with backoff until it is back ({@link
 * ReconnectLoop}). A bad configuration registers the sensor in error with the reason (see {@link
 * ConfigCheck}).
 */
@Component(
    service = Sensor.class,
    configurationPid = TfLunaSensor.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    property = {Sensor.SENSOR_MODEL + "=tfluna", Sensor.SENSOR_KIND + "=distance"})
@Designate(ocd = TfLunaConfig.class, factory = true)
public class TfLunaSensor extends DeviceSensor {
  static final String PID = "io.sensorgw.device.tfluna";
  private static final Logger LOG = LoggerFactory.getLogger(TfLunaSensor.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(3);

  /** A port that delivers no frame for this long is treated as gone and reopened. */
  private static final Duration SILENCE_LIMIT = Duration.ofSeconds(3);

  private final SensorInfo info;
  private final ByteSource source;
  private final int outputRateHz;
  private final int format;
  private final boolean simulated;
  private final FrameParser parser = new FrameParser();
  private final AtomicLong unreliableFrames = new AtomicLong();

  /** publish.interval.ms: the readings that go to the listeners (every one is still cached). */
  private final Reporter publishing;

  /** The port's reopening with backoff; in error while it is down. */
  private final ReconnectLoop connection;

  @Activate
  public TfLunaSensor(
      TfLunaConfig config, Map<String, Object> properties, @Reference ReadingPublisher publisher) {
    ConfigCheck check = new ConfigCheck(properties);
    String id = check.sensorId(config::sensor_id);
    simulated = check.oneOf("mode", config::mode, Mode.class) == Mode.SIMULATED;
    String port = check.text("port", config::port, !simulated);
    int baudRate = check.intIn("baud.rate", config::baud_rate, 9600, 921_600);
    outputRateHz = check.intIn("output.rate.hz", config::output_rate_hz, 1, 250);
    format = check.oneOf("output.format", config::output_format, OutputFormat.class).frameFormat;
    Duration publishInterval = check.publishInterval(config::publish_interval_ms);
    Duration maxAge = check.maxAge(config::max_age_ms);
    Duration readTimeout = check.readTimeout(config::read_timeout_ms);
    long seed =
        check.longIn("simulation.seed", config::simulation_seed, Long.MIN_VALUE, Long.MAX_VALUE);
    source =
        simulated ? new SimulatedSource(seed, outputRateHz) : new SerialPortSource(port, baudRate);
    info =
        new SensorInfo(
            id, "tfluna", "distance", simulated, maxAge, "TF-Luna LiDAR on " + source.describe());
    connection =
        ReconnectLoop.builder("TF-Luna " + id)
            .logger(LOG)
            .onFailure((failure, retryIn) -> reader().fail(failure))
            .build();
    // One thread: the reading loop. Reads never run here; they are served from its frames.
    ManagedExecutor executor = new ManagedExecutor(id, 1, 1);
    publishing = Reporter.atMostEvery(publishInterval);
    if (attach(
        SensorReader.streaming(info, executor, readTimeout, publishing.to(publisher::publish)),
        executor,
        check)) {
      executor.submit(
          () -> {
            readLoop();
            return null;
          });
    }
  }

  @Deactivate
  void deactivate() {
    connection.close(); // ends the pause, or a blocked read by closing the port
    source.close();
    if (!detach(CLOSE_WAIT)) {
      LOG.warn("TF-Luna {}: reading thread did not stop within {}", info.id(), CLOSE_WAIT);
    }
  }

  /** Keeps the port open, until deactivated; the silence watchdog lives in the session. */
  private void readLoop() {
    connection.run(PortSession::new);
    source.close();
  }

  /** The port opened and configured, read until it fails or falls silent. */
  private final class PortSession implements ReconnectLoop.Session {
    @Override
    public void open() throws IOException {
      source.open();
      source.write(Frames.setFormat(format));
      source.write(Frames.setFrequency(outputRateHz));
      LOG.info("TF-Luna {}: reading {} at {} Hz", info.id(), source.describe(), outputRateHz);
    }

    @Override
    public void run() throws IOException {
      byte[] buffer = new byte[512];
      while (!connection.isClosed()) {
        int count = source.read(buffer);
        long framesBefore = parser.frames();
        if (count > 0) parser.feed(buffer, 0, count, TfLunaSensor.this::onFrame);
        if (parser.frames() != framesBefore) {
          connection.heard();
        } else {
          connection.checkHeardWithin(SILENCE_LIMIT, () -> "frame from " + source.describe());
        }
      }
    }

    /** Also from deactivate's thread, through the loop: ends a blocked read. */
    @Override
    public void close() {
      source.close();
    }
  }

  private void onFrame(int distance, int amplitude, int temperatureRaw) {
    Map<String, Value> values = new LinkedHashMap<>();
    double centimetres = format == Frames.FORMAT_MM ? distance / 10.0 : distance;
    values.put("distance", Value.of(centimetres, "cm"));
    values.put("amplitude", Value.of(amplitude, ""));
    values.put("temperature", Value.of(Frames.celsius(temperatureRaw), "°C"));
    Measurement measurement;
    if (!Frames.reliable(amplitude)) {
      unreliableFrames.incrementAndGet();
      measurement =
          new Measurement(
              values,
              Quality.ERROR,
              (simulated ? "simulated; " : "")
                  + "signal amplitude "
                  + amplitude
                  + " is unreliable (below 100 or saturated)");
    } else {
      measurement = Measurement.of(simulated ? Quality.SIMULATED : Quality.OK, values);
    }
    reader().offer(measurement, Instant.now(), Duration.ZERO);
  }

  @Override
  protected Map<String, Number> deviceMetrics() {
    Map<String, Number> metrics = new LinkedHashMap<>();
    metrics.put("frames", parser.frames());
    metrics.put("badChecksums", parser.badChecksums());
    metrics.put("skippedBytes", parser.skippedBytes());
    metrics.put("unreliableFrames", unreliableFrames.get());
    metrics.put("reconnects", connection.reconnects());
    metrics.put("published", publishing.reported());
    metrics.put("notPublished", publishing.held());
    return metrics;
  }

  @Override
  protected Map<String, MetricDescription> deviceMetricDescriptions() {
    return Map.of(
        "frames",
        MetricDescription.counter("Frames parsed from the serial stream"),
        "badChecksums",
        MetricDescription.counter("Frames dropped for a bad checksum"),
        "skippedBytes",
        MetricDescription.counter(MetricDescription.BYTES, "Bytes skipped to find the next frame"),
        "unreliableFrames",
        MetricDescription.counter("Frames the device marked unreliable"),
        "reconnects",
        MetricDescription.counter("Connections to the device reopened"),
        "published",
        MetricDescription.counter("Readings published to listeners"),
        "notPublished",
        MetricDescription.counter("Readings held back by reporting rules"));
  }
}
