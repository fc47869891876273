package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/**
 * The camera driver and the vision bundle in Felix: readings, frames, single flight, stale answers.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class CameraTest {
  private static final String PID = "io.sensorgw.device.imx477";
  private static final Pattern SEQUENCE = Pattern.compile("\"sequence\":(\\d+)");

  /** Captures that must succeed are never cut short by a busy machine (the default is 15 s). */
  private static final long CAPTURE_TIMEOUT_MS = Gateway.DEADLINE.toMillis();

  private static final Pattern READS = Pattern.compile("\"reads\":(\\d+)");

  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  private Configuration camera(String name, Object... keysAndValues) throws IOException {
    Configuration config = configAdmin.getFactoryConfiguration(PID, name, "?");
    Hashtable<String, Object> props = new Hashtable<>();
    for (int i = 0; i < keysAndValues.length; i += 2)
      props.put((String) keysAndValues[i], keysAndValues[i + 1]);
    config.update(props);
    return config;
  }

  private static BufferedImage image(byte[] jpeg) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(jpeg));
    assertNotNull(image, "a JPEG the JDK can decode");
    return image;
  }

  private static long overlaysDrawn(Gateway gateway) throws Exception {
    Matcher m =
        Pattern.compile("\"overlaysDrawn\":(\\d+)")
            .matcher(gateway.get("/api/sensors/it-cam").body());
    assertTrue(m.find(), "overlaysDrawn in the sensor's metrics");
    return Long.parseLong(m.group(1));
  }

  private static long sequence(String body) {
    Matcher m = SEQUENCE.matcher(body);
    assertTrue(m.find(), body);
    return Long.parseLong(m.group(1));
  }

  @Test
  void aSimulatedCameraServesAnalysedReadingsAndFrames() throws Exception {
    Configuration config =
        camera(
            "it-sim",
            "sensor.id",
            "it-cam",
            "backend",
            "simulated",
            "width",
            640,
            "height",
            480,
            "simulation.capture.ms",
            20L,
            "max.age.ms",
            100L,
            "capture.timeout.ms",
            CAPTURE_TIMEOUT_MS);
    try {
      Gateway gateway = new Gateway(context);
      HttpResponse<String> listed =
          gateway.getUntil("/api/sensors/it-cam", r -> r.statusCode() == 200, "the camera listed");
      assertTrue(listed.body().contains("\"model\":\"imx477\""), listed.body());
      assertTrue(listed.body().contains("\"simulated\":true"), listed.body());

      HttpResponse<String> reading =
          gateway.getUntil("/api/sensors/it-cam/reading", r -> r.statusCode() == 200, "a reading");
      String body = reading.body();
      for (String value :
          List.of(
              "luminosity",
              "sharpness",
              "laser_found",
              "frame_width",
              "frame_height",
              "frame_age_ms",
              "capture_ms",
              "analysis_ms")) {
        assertTrue(body.contains("\"" + value + "\":{\"value\":"), value + " in " + body);
      }
      assertTrue(body.contains("\"frame_width\":{\"value\":640.0"), body);
      assertTrue(body.contains("\"quality\":\"simulated\""), body);
      assertEquals(
          body.contains("\"laser_found\":{\"value\":1.0"),
          body.contains("\"laser_x\""),
          "a position exactly when a dot was found: " + body);

      HttpClient client = HttpClient.newHttpClient();
      HttpResponse<byte[]> frame =
          client.send(
              HttpRequest.newBuilder(gateway.uri("/api/sensors/it-cam/frame.jpg"))
                  .timeout(Gateway.DEADLINE)
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, frame.statusCode());
      assertEquals("image/jpeg", frame.headers().firstValue("content-type").orElse(""));
      BufferedImage image = image(frame.body());
      assertEquals(640, image.getWidth());
      assertEquals(480, image.getHeight());
      HttpResponse<byte[]> marked =
          client.send(
              HttpRequest.newBuilder(gateway.uri("/api/sensors/it-cam/frame.jpg?overlay=true"))
                  .timeout(Gateway.DEADLINE)
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(640, image(marked.body()).getWidth());

      // Pages asking at once for a new frame's overlay share one drawing (it decodes and encodes a
      // frame).
      long first = sequence(body);
      gateway.getUntil(
          "/api/sensors/it-cam/reading",
          r -> r.statusCode() == 200 && sequence(r.body()) > first,
          "a new frame (the last one older than max.age.ms)");
      long drawnBefore = overlaysDrawn(gateway);
      List<java.util.concurrent.CompletableFuture<HttpResponse<byte[]>>> together =
          new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        together.add(
            client.sendAsync(
                HttpRequest.newBuilder(gateway.uri("/api/sensors/it-cam/frame.jpg?overlay=true"))
                    .timeout(Gateway.DEADLINE)
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray()));
      }
      for (var answer : together) assertEquals(200, answer.get().statusCode());
      assertEquals(
          drawnBefore + 1,
          overlaysDrawn(gateway),
          "one overlay drawn for eight requests of one frame");

      assertEquals(200, gateway.get("/imx477/sensor").statusCode(), "the old system's route");
      try (TestSensor lidar =
          new TestSensor(
                  context,
                  "it-not-camera",
                  java.time.Duration.ZERO,
                  TestSensor.READ_TIMEOUT,
                  () ->
                      io.sensorgw.core.Measurement.of(
                          io.sensorgw.api.Quality.SIMULATED,
                          java.util.Map.of("distance", io.sensorgw.api.Value.of(1, "cm"))))
              .register(context, "tfluna")) {
        HttpResponse<String> noFrames =
            gateway.getUntil(
                "/api/sensors/it-not-camera/frame.jpg",
                r -> r.statusCode() == 404 && r.body().contains("has no frames"),
                "404 for a sensor without frames");
        assertTrue(noFrames.body().contains("it-not-camera"), noFrames.body());
      }
    } finally {
      config.delete();
    }
  }

  /**
   * The USB backend (OpenCV's VideoCapture) in Felix. This machine has no V4L2 device, so it reads
   * an MJPEG recording of the synthetic scene, which the backend replays like a camera.
   */
  @Test
  void theUsbBackendServesAnalysedFramesOfARecording() throws Exception {
    io.sensorgw.vision.OpenCv.load();
    Path recording = Files.createTempDirectory("usb-camera").resolve("camera.avi");
    org.opencv.videoio.VideoWriter writer =
        new org.opencv.videoio.VideoWriter(
            recording.toString(),
            org.opencv.videoio.Videoio.CAP_OPENCV_MJPEG,
            org.opencv.videoio.VideoWriter.fourcc('M', 'J', 'P', 'G'),
            5,
            new org.opencv.core.Size(320, 240));
    assertTrue(writer.isOpened());
    io.sensorgw.vision.SyntheticScene scene = new io.sensorgw.vision.SyntheticScene(3, 320, 240);
    for (int i = 0; i < 3; i++) writer.write(scene.render(i * 0.2).bgr());
    writer.release();
    Configuration config =
        camera(
            "it-usb",
            "sensor.id",
            "it-usb",
            "backend",
            "v4l2",
            "v4l2.path",
            recording.toString(),
            "width",
            320,
            "height",
            240,
            "max.age.ms",
            0L,
            "capture.timeout.ms",
            CAPTURE_TIMEOUT_MS);
    try {
      Gateway gateway = new Gateway(context);
      HttpResponse<String> listed =
          gateway.getUntil(
              "/api/sensors/it-usb", r -> r.statusCode() == 200, "the USB camera listed");
      assertTrue(listed.body().contains("\"simulated\":false"), listed.body());
      assertTrue(
          listed.body().contains("\"description\":\"camera: an MJPEG recording\""), listed.body());
      assertTrue(
          !listed.body().contains("camera.avi"), "no path in what clients see: " + listed.body());
      HttpResponse<String> first =
          gateway.getUntil("/api/sensors/it-usb/reading", r -> r.statusCode() == 200, "a reading");
      assertTrue(first.body().contains("\"frame_width\":{\"value\":320.0"), first.body());
      assertTrue(first.body().contains("\"luminosity\":{\"value\":"), first.body());
      assertTrue(!first.body().contains("\"quality\":\"simulated\""), first.body());
      // Past the recording's 3 frames: it starts over rather than failing.
      long sequence = sequence(first.body());
      gateway.getUntil(
          "/api/sensors/it-usb/reading",
          r -> r.statusCode() == 200 && sequence(r.body()) > sequence + 4,
          "frames past the end of the recording");
      HttpResponse<byte[]> frame =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(gateway.uri("/api/sensors/it-usb/frame.jpg"))
                      .timeout(Gateway.DEADLINE)
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, frame.statusCode());
      assertEquals(320, image(frame.body()).getWidth());
    } finally {
      config.delete();
    }
  }

  @Test
  void concurrentRequestsShareOneCaptureAndASlowCaptureIsAnsweredStale() throws Exception {
    Path dir = Files.createTempDirectory("fake-rpicam");
    Path tools = Path.of(context.getProperty("sensorgw.repo"), "runtime/test-tools/fake-rpicam");
    Path still =
        Files.copy(
            tools.resolve("rpicam-still"),
            dir.resolve("rpicam-still"),
            StandardCopyOption.COPY_ATTRIBUTES);
    BufferedImage picture = new BufferedImage(320, 240, BufferedImage.TYPE_3BYTE_BGR);
    ImageIO.write(picture, "jpg", dir.resolve("frame.jpg").toFile());
    // The capture is held until the test opens the gate (not a fixed 2 s that ten requests had to
    // arrive within); a capture is never cut short by the timeout.
    Files.writeString(dir.resolve("mode"), "gate\n");
    Configuration config =
        camera(
            "it-still",
            "sensor.id",
            "it-still",
            "backend",
            "still",
            "still.command",
            still.toString(),
            "width",
            320,
            "height",
            240,
            "max.age.ms",
            300L,
            "capture.timeout.ms",
            5 * CAPTURE_TIMEOUT_MS); // the hung capture below lives until the camera stops
    try {
      Gateway gateway = new Gateway(context);
      gateway.getUntil("/api/sensors/it-still", r -> r.statusCode() == 200, "the camera listed");
      HttpClient client = HttpClient.newHttpClient();
      List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        requests.add(
            client.sendAsync(
                HttpRequest.newBuilder(gateway.uri("/api/sensors/it-still/reading"))
                    .timeout(Gateway.DEADLINE)
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      // All ten reached the sensor while the first capture is held: none can be served otherwise.
      gateway.getUntil(
          "/api/sensors/it-still", r -> reads(r.body()) >= 10, "ten reads waiting on the capture");
      Files.writeString(dir.resolve("gate"), "");
      long first = -1;
      for (CompletableFuture<HttpResponse<String>> request : requests) {
        HttpResponse<String> response = request.get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
        assertEquals(200, response.statusCode(), response.body());
        long sequence = sequence(response.body());
        if (first < 0) first = sequence;
        assertEquals(first, sequence, "all ten got the same capture");
      }
      assertEquals(1, pids(dir).size(), "ten concurrent requests, one rpicam-still process");

      // Older than max age: the next read starts a capture (one that runs until the camera stops)
      // and is answered at once, stale.
      Files.writeString(dir.resolve("mode"), "hang\n");
      long firstSequence = first;
      Gateway.await(
          () -> {
            try {
              return gateway
                  .get("/api/sensors/it-still/reading")
                  .body()
                  .contains("\"quality\":\"stale\"");
            } catch (IOException e) {
              return false;
            }
          },
          "a stale answer");
      Gateway.await(() -> pids(dir).size() == 2, "one refresh started");
      long capturing = pids(dir).get(1);
      HttpResponse<String> stale = gateway.get("/api/sensors/it-still/reading");
      assertTrue(
          ProcessHandle.of(capturing).map(ProcessHandle::isAlive).orElse(false),
          "the capture is still running while we were answered");
      assertTrue(stale.body().contains("\"quality\":\"stale\""), stale.body());
      assertTrue(stale.body().contains("stale: "), "says how old: " + stale.body());
      assertEquals(firstSequence, sequence(stale.body()), "the previous frame's reading");
      assertEquals(200, gateway.get("/health").statusCode());
      assertEquals(2, pids(dir).size(), "still one capture at a time");
    } finally {
      config.delete(); // stops the camera, which kills its capture process
    }
    Gateway.await(
        () ->
            java.util.stream.Stream.concat(pids(dir).stream(), pids(dir, "children").stream())
                .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)),
        "no capture process (or its child) left after the camera stopped");
  }

  private static long reads(String sensorInfo) {
    Matcher m = READS.matcher(sensorInfo);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static List<Long> pids(Path dir) {
    return pids(dir, "pids");
  }

  /**
   * The PIDs the fake rpicam-still recorded in {@code name}: its starts, or the children of mode
   * hang.
   */
  private static List<Long> pids(Path dir, String name) {
    try {
      Path file = dir.resolve(name);
      if (!Files.exists(file)) return List.of();
      return Arrays.stream(Files.readString(file).split("\\s+"))
          .filter(s -> !s.isBlank())
          .map(Long::parseLong)
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
