package io.sensorgw.mqtt.internal;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real Mosquitto on a port of its own, anonymous, for the tests of this bundle (the exported
 * runtime's tests have a fuller one). Stopped with its process when closed.
 */
final class TestBroker implements AutoCloseable {
  private static final long DEADLINE_NANOS = TimeUnit.MINUTES.toNanos(2);
  final int port;
  final Path dir;
  private final Process process;

  TestBroker(Path dir) throws Exception {
    this.dir = Files.createDirectories(dir);
    Process started = null;
    int chosen = -1;
    for (int attempt = 0; attempt < 20 && started == null; attempt++) {
      int candidate;
      try (ServerSocket socket = new ServerSocket(0)) {
        candidate = socket.getLocalPort();
      }
      Path conf = dir.resolve("mosquitto.conf");
      Files.write(
          conf,
          List.of(
              "listener " + candidate + " 127.0.0.1",
              "allow_anonymous true",
              "log_dest file " + dir.resolve("mosquitto.log"),
              "user " + System.getProperty("user.name")));
      Process p =
          new ProcessBuilder("mosquitto", "-c", conf.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("mosquitto.out").toFile())
              .start();
      if (listening(p, candidate)) {
        started = p;
        chosen = candidate;
      } else {
        p.destroyForcibly()
            .waitFor(10, TimeUnit.SECONDS); // the port was taken meanwhile: another one
      }
    }
    if (started == null) throw new IllegalStateException("mosquitto did not start: " + log());
    process = started;
    port = chosen;
  }

  private static boolean listening(Process p, int port) {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    while (System.nanoTime() < deadline && p.isAlive()) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return true;
      } catch (IOException notYet) {
        LockSupport.parkNanos(20_000_000);
      }
    }
    return false;
  }

  String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  String log() {
    try {
      return Files.exists(dir.resolve("mosquitto.log"))
          ? Files.readString(dir.resolve("mosquitto.log"))
          : "(no log)";
    } catch (IOException e) {
      return "(unreadable)";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
