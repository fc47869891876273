package io.sensorgw.runtime;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real Mosquitto broker on a free port, in a folder of its own: plain or TLS, anonymous or with
 * a password file, persisting its state so a stop and start keep subscribers' sessions.
 */
final class Mosquitto implements AutoCloseable {
  final Path dir;
  final int port;
  private final List<String> extraConfig;
  private Process process;

  Mosquitto(Path dir, List<String> extraConfig) throws Exception {
    this.dir = Files.createDirectories(dir);
    this.extraConfig = extraConfig;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    start();
  }

  /** Anonymous, plain TCP. */
  static Mosquitto plain(Path dir) throws Exception {
    return new Mosquitto(dir, List.of("allow_anonymous true"));
  }

  /** A password file with {@code user}/{@code password}; anonymous clients refused. */
  static List<String> passwordConfig(Path dir, String user, String password) throws Exception {
    Path file = dir.resolve("passwords");
    Files.createDirectories(dir);
    run(List.of("mosquitto_passwd", "-b", "-c", file.toString(), user, password), dir);
    return List.of("allow_anonymous false", "password_file " + file);
  }

  void start() throws Exception {
    List<String> lines = new ArrayList<>(List.of(
        "listener " + port + " 127.0.0.1",
        "persistence true",
        "persistence_location " + dir + "/",
        "autosave_interval 1",
        "log_dest file " + dir.resolve("mosquitto.log"),
        // Started as root (CI), mosquitto would switch to its own user, which cannot write here.
        "user " + System.getProperty("user.name")));
    lines.addAll(extraConfig);
    Path conf = dir.resolve("mosquitto.conf");
    Files.write(conf, lines);
    process = new ProcessBuilder("mosquitto", "-c", conf.toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("mosquitto.out").toFile())
        .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) throw new IllegalStateException("mosquitto exited: " + log());
        if (System.nanoTime() > deadline) throw new IllegalStateException("mosquitto not listening: " + log());
        LockSupport.parkNanos(20_000_000);
      }
    }
  }

  /** SIGTERM, as a service manager stops it: it saves its state and exits. */
  void stop() throws InterruptedException {
    if (process == null) return;
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    process = null;
  }

  String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  String log() {
    try {
      return Files.readString(dir.resolve("mosquitto.log")) + Files.readString(dir.resolve("mosquitto.out"));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  static void run(List<String> command, Path dir) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

}
