package io.sensorgw.device.imx477.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.Scalar;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * The test executables of runtime/test-tools/fake-rpicam (rpicam-still and rpicam-vid stand-ins:
 * real processes, real JPEGs), each copied into a folder of its own with a 160x120 frame.jpg.
 */
final class FakeRpicam {
  private static final Path TOOLS =
      Path.of(System.getProperty("sensorgw.repo", "../.."), "runtime/test-tools/fake-rpicam");

  final Path still;
  final Path vid;

  FakeRpicam(Path dir) throws IOException {
    io.sensorgw.vision.OpenCv.load();
    Mat image = new Mat(120, 160, CvType.CV_8UC3, new Scalar(40, 80, 120));
    MatOfByte jpeg = new MatOfByte();
    Imgcodecs.imencode(".jpg", image, jpeg);
    still = install(dir.resolve("still"), "rpicam-still", jpeg.toArray());
    vid = install(dir.resolve("vid"), "rpicam-vid", jpeg.toArray());
  }

  private static Path install(Path folder, String name, byte[] frame) throws IOException {
    Files.createDirectories(folder);
    Files.write(folder.resolve("frame.jpg"), frame);
    return Files.copy(
        TOOLS.resolve(name), folder.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
  }

  void mode(Path script, String mode) throws IOException {
    Files.writeString(script.resolveSibling("mode"), mode + "\n");
  }

  /** PIDs of every start so far. */
  List<Long> starts(Path script) throws IOException {
    return pids(script.resolveSibling("pids"));
  }

  /** PIDs of the child processes that mode hang started. */
  List<Long> children(Path script) throws IOException {
    return pids(script.resolveSibling("children"));
  }

  /** Lets a capture in mode gate finish. */
  void openGate(Path script) throws IOException {
    Files.writeString(script.resolveSibling("gate"), "");
  }

  private static List<Long> pids(Path file) throws IOException {
    if (!Files.exists(file)) return List.of();
    return Files.readAllLines(file).stream()
        .filter(l -> !l.isBlank())
        .map(Long::parseLong)
        .toList();
  }
}
