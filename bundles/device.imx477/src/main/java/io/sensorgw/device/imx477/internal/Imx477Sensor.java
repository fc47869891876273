package io.sensorgw.device.imx477.internal;

import io.sensorgw.api.FrameSource;
import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
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
import io.sensorgw.vision.FrameAnalysis;
import io.sensorgw.vision.FrameAnalyzer;
import io.sensorgw.vision.LaserDot;
import io.sensorgw.vision.OpenCv;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One camera. A read is served from the latest analysed frame while it is younger than max age;
 * otherwise one capture (single flight, on this camera's own executor) is shared by everyone who
 * asked, and with serve-stale on, they get the previous frame's reading at once, marked stale,
 * while it runs. Each frame is decoded and analysed once, however many requests want it. A bad
 * configuration registers the sensor in error with the reason (see {@link ConfigCheck}).
 */
@Component(
    service = Sensor.class,
    configurationPid = Imx477Sensor.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    property = {Sensor.SENSOR_MODEL + "=imx477", Sensor.SENSOR_KIND + "=camera"})
@Designate(ocd = Imx477Config.class, factory = true)
public class Imx477Sensor extends DeviceSensor implements FrameSource {
  static final String PID = "io.sensorgw.device.imx477";
  private static final Logger LOG = LoggerFactory.getLogger(Imx477Sensor.class);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  /** publish.interval.ms: the readings that go to the listeners (every one is still cached). */
  private final Reporter publishing;

  private final SensorInfo info;
  private final Capture capture;
  private final FrameAnalyzer analyzer;
  private final boolean simulated;
  private final AtomicLong framesAnalysed = new AtomicLong();
  private final AtomicLong overlaysDrawn = new AtomicLong();

  /** The latest analysed frame; the analysis of a frame is reused while no newer one exists. */
  private volatile AnalysedFrame latest;

  /** A frame with its analysis, and its marked-up JPEG once someone asked for it. */
  private static final class AnalysedFrame {
    final CapturedFrame frame;
    final FrameAnalysis analysis;
    final Duration decodeAndAnalysis;
    volatile byte[] overlayJpeg;

    /**
     * The overlay being drawn: requests that come meanwhile wait for it instead of drawing their
     * own.
     */
    final AtomicReference<CompletionStage<byte[]>> overlayDrawing = new AtomicReference<>();

    AnalysedFrame(CapturedFrame frame, FrameAnalysis analysis, Duration decodeAndAnalysis) {
      this.frame = frame;
      this.analysis = analysis;
      this.decodeAndAnalysis = decodeAndAnalysis;
    }
  }

  @Activate
  public Imx477Sensor(
      Imx477Config config,
      Map<String, Object> properties,
      @Reference ReadingPublisher publisher,
      @Reference FrameAnalyzer analyzer) {
    ConfigCheck check = new ConfigCheck(properties);
    String id = check.sensorId(config::sensor_id);
    Backend backend = check.oneOf("backend", config::backend, Backend.class);
    int width = check.intIn("width", config::width, 16, 4056);
    int height = check.intIn("height", config::height, 16, 3040);
    Duration timeout =
        Duration.ofMillis(
            check.longIn("capture.timeout.ms", config::capture_timeout_ms, 100, 900_000));
    Duration maxAge = check.maxAge(config::max_age_ms);
    Duration publishInterval = check.publishInterval(config::publish_interval_ms);
    this.analyzer = analyzer;
    this.simulated = backend == Backend.SIMULATED;
    this.capture =
        switch (backend) {
          case STILL ->
              new StillCapture(
                  Commands.line(
                      check.text("still.command", config::still_command, true),
                      check.text("still.arguments", config::still_arguments, false),
                      width,
                      height),
                  timeout);
          case STREAM ->
              new StreamCapture(
                  id,
                  Commands.line(
                      check.text("stream.command", config::stream_command, true),
                      check.text("stream.arguments", config::stream_arguments, false),
                      width,
                      height),
                  timeout);
          case V4L2 -> {
            String path = check.text("v4l2.path", config::v4l2_path, false);
            yield path.isEmpty()
                ? V4l2Capture.device(
                    check.intIn("v4l2.device", config::v4l2_device, 0, 255), width, height)
                : V4l2Capture.path(path, width, height);
          }
          case SIMULATED ->
              new SimulatedCapture(
                  check.longIn(
                      "simulation.seed", config::simulation_seed, Long.MIN_VALUE, Long.MAX_VALUE),
                  width,
                  height,
                  Duration.ofMillis(
                      check.longIn(
                          "simulation.capture.ms", config::simulation_capture_ms, 0, 60_000)));
        };
    info =
        new SensorInfo(id, "imx477", "camera", simulated, maxAge, "camera: " + capture.describe());
    // Two threads: one capture at a time (single flight) and a frame.jpg overlay beside it.
    ManagedExecutor executor = new ManagedExecutor(id, 2, 16);
    publishing = Reporter.atMostEvery(publishInterval);
    // The read timeout covers a capture that the capture timeout then kills, plus the analysis.
    SensorReader reader =
        new SensorReader(
            info,
            executor,
            timeout.plusSeconds(5),
            this::acquire,
            publishing.to(publisher::publish));
    if (config.serve_stale()) reader.servingStaleWhileRefreshing();
    if (!attach(reader, executor, check)) return; // in error with the reason; no process started
    capture.start(); // a stream backend starts its process on a thread of its own: never waits here
    LOG.info("Camera {}: {}", id, capture.commandLine());
  }

  @Deactivate
  void deactivate() {
    capture.close(); // ends a running capture process first, so the executor can stop
    if (!detach(CLOSE_WAIT))
      LOG.warn("Camera {}: capture did not stop within {}", info.id(), CLOSE_WAIT);
  }

  /** On the camera's executor: a frame, analysed once. */
  private Measurement acquire() throws Exception {
    OpenCv.load();
    CapturedFrame frame = capture.capture();
    AnalysedFrame current = latest;
    if (current == null || current.frame.sequence() != frame.sequence()) {
      long begin = System.nanoTime();
      Mat bgr = Imgcodecs.imdecode(new MatOfByte(frame.jpeg()), Imgcodecs.IMREAD_COLOR);
      if (bgr.empty())
        throw new IOException("camera " + info.id() + ": the frame is not a decodable JPEG");
      FrameAnalysis analysis;
      try {
        analysis = analyzer.analyze(bgr);
      } finally {
        bgr.release();
      }
      current = new AnalysedFrame(frame, analysis, Duration.ofNanos(System.nanoTime() - begin));
      latest = current;
      framesAnalysed.incrementAndGet();
    }
    return Measurement.of(simulated ? Quality.SIMULATED : Quality.OK, values(current));
  }

  private static Map<String, Value> values(AnalysedFrame analysed) {
    FrameAnalysis a = analysed.analysis;
    Map<String, Value> values = new LinkedHashMap<>();
    values.put("luminosity", Value.of(round(a.luminosity(), 2), "grey level"));
    values.put("sharpness", Value.of(round(a.sharpness(), 1), "laplacian variance"));
    LaserDot dot = a.laser();
    values.put("laser_found", Value.of(dot.found() ? 1 : 0, "bool"));
    if (dot.found()) { // no dot, no position: never a guess
      values.put("laser_x", Value.of(round(dot.x(), 1), "px"));
      values.put("laser_y", Value.of(round(dot.y(), 1), "px"));
      values.put("laser_size", Value.of(round(dot.size(), 1), "px"));
      values.put("laser_confidence", Value.of(dot.confidence(), "ratio"));
    }
    values.put("frame_width", Value.of(a.width(), "px"));
    values.put("frame_height", Value.of(a.height(), "px"));
    values.put(
        "frame_age_ms",
        Value.of(Duration.between(analysed.frame.capturedAt(), Instant.now()).toMillis(), "ms"));
    values.put(
        "capture_ms", Value.of(round(analysed.frame.captureTime().toNanos() / 1e6, 1), "ms"));
    values.put("analysis_ms", Value.of(round(analysed.decodeAndAnalysis.toNanos() / 1e6, 1), "ms"));
    return values;
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  @Override
  public CompletionStage<byte[]> frameJpeg(boolean overlay) {
    AnalysedFrame current = latest;
    CompletionStage<AnalysedFrame> frame =
        current != null
            ? CompletableFuture.completedFuture(current)
            : read().thenApply((Reading reading) -> latest);
    if (!overlay) return frame.thenApply(f -> f.frame.jpeg());
    return frame.thenCompose(
        f -> {
          if (f.overlayJpeg != null) return CompletableFuture.completedFuture(f.overlayJpeg);
          CompletableFuture<byte[]> mine = new CompletableFuture<>();
          CompletionStage<byte[]> drawing = f.overlayDrawing.compareAndExchange(null, mine);
          if (drawing != null)
            return drawing; // another request draws this frame's overlay: share it
          executor()
              .submit(() -> overlay(f))
              .whenComplete(
                  (bytes, failure) -> {
                    if (failure != null) {
                      f.overlayDrawing.set(null); // not kept: the next request tries again
                      mine.completeExceptionally(failure);
                    } else {
                      mine.complete(bytes);
                    }
                  });
          return mine;
        });
  }

  /** Decodes, marks and encodes once per frame; later requests get the same bytes. */
  private byte[] overlay(AnalysedFrame frame) {
    OpenCv.load();
    byte[] done = frame.overlayJpeg;
    if (done != null) return done;
    Mat bgr = Imgcodecs.imdecode(new MatOfByte(frame.frame.jpeg()), Imgcodecs.IMREAD_COLOR);
    Mat marked = analyzer.overlay(bgr, frame.analysis);
    MatOfByte jpeg = new MatOfByte();
    Imgcodecs.imencode(".jpg", marked, jpeg, new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 90));
    byte[] bytes = jpeg.toArray();
    bgr.release();
    marked.release();
    jpeg.release();
    frame.overlayJpeg = bytes;
    overlaysDrawn.incrementAndGet();
    return bytes;
  }

  @Override
  protected Map<String, Number> deviceMetrics() {
    Map<String, Number> metrics = new LinkedHashMap<>(capture.metrics());
    metrics.put("framesAnalysed", framesAnalysed.get());
    metrics.put("overlaysDrawn", overlaysDrawn.get());
    metrics.put("staleServed", reader().staleServed());
    metrics.put("published", publishing.reported());
    metrics.put("notPublished", publishing.held());
    return metrics;
  }

  @Override
  protected Map<String, MetricDescription> deviceMetricDescriptions() {
    Map<String, MetricDescription> descriptions = new LinkedHashMap<>(Capture.DESCRIPTIONS);
    descriptions.put("framesAnalysed", MetricDescription.counter("Frames analysed"));
    descriptions.put("overlaysDrawn", MetricDescription.counter("Frames with an overlay drawn"));
    descriptions.put(
        "staleServed", MetricDescription.counter("Reads answered with a stale frame's reading"));
    descriptions.put("published", MetricDescription.counter("Readings published to listeners"));
    descriptions.put(
        "notPublished", MetricDescription.counter("Readings held back by reporting rules"));
    return descriptions;
  }
}
