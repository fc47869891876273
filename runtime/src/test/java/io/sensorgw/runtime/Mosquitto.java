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
 * A real Mosquitto broker on a free port, in a folder of its own: plain or TLS, anonymous or with a
 * password file, persisting its state so a stop and start keep subscribers' sessions.
 *
 * <p>Mosquitto cannot be told to take any free port (port 0), so a port is picked here, outside the
 * kernel's ephemeral range (the kernel gives those to outgoing connections and to port 0 binds, so
 * one of them may be taken by the time the broker binds it), and another is picked when the broker
 * finds its port taken at the first start.
 */
final class Mosquitto implements AutoCloseable {
  private static final int PORT_ATTEMPTS = 20;

  final Path dir;
  final int port;
  private final List<String> extraConfig;
  private Process process;

  Mosquitto(Path dir, List<String> extraConfig) throws Exception {
    this.dir = Files.createDirectories(dir);
    this.extraConfig = extraConfig;
    int chosen = -1;
    for (int attempt = 1; chosen < 0; attempt++) {
      int candidate = candidatePort();
      try {
        start(candidate);
        chosen = candidate;
      } catch (PortTaken e) {
        if (attempt == PORT_ATTEMPTS)
          throw new IllegalStateException("no free port for mosquitto", e);
      }
    }
    port = chosen;
  }

  /** The broker could not bind its port: someone else has it. */
  private static final class PortTaken extends Exception {
    PortTaken(String log) {
      super(log);
    }
  }

  /** A port that is free now, below the ephemeral range when there is room there. */
  private static int candidatePort() throws IOException {
    int low = 32768;
    try {
      low =
          Integer.parseInt(
              Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                  .trim()
                  .split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      // the usual default
    }
    if (low > 12_000) {
      java.util.Random random = new java.util.Random();
      for (int i = 0; i < 100; i++) {
        int candidate = 10_000 + random.nextInt(low - 10_000);
        try (ServerSocket socket = new ServerSocket()) {
          socket.bind(new java.net.InetSocketAddress("127.0.0.1", candidate));
          return candidate;
        } catch (IOException taken) {
          // try another
        }
      }
    }
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
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

  /** Starts the broker again on its port, e.g. after {@link #stop}. */
  void start() throws Exception {
    try {
      start(port);
    } catch (PortTaken e) {
      throw new IllegalStateException(
          "mosquitto's port " + port + " was taken while it was stopped: " + e.getMessage());
    }
  }

  private void start(int port) throws Exception {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "listener " + port + " 127.0.0.1",
                "persistence true",
                "persistence_location " + dir + "/",
                "autosave_interval 1",
                "log_dest file " + dir.resolve("mosquitto.log"),
                // Started as root (CI), mosquitto would switch to its own user, which cannot write
                // here.
                "user " + System.getProperty("user.name")));
    lines.addAll(extraConfig);
    Path conf = dir.resolve("mosquitto.conf");
    Files.write(conf, lines);
    Path logFile = dir.resolve("mosquitto.log");
    long logBefore =
        Files.exists(logFile) ? Files.size(logFile) : 0; // it appends: this start's part
    process =
        Processes.start(
            new ProcessBuilder("mosquitto", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.out").toFile()));
    long deadline = System.nanoTime() + RunningGateway.DEADLINE.toNanos();
    while (true) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          String log = log();
          process = null;
          String thisStart =
              (Files.exists(logFile) ? Files.readString(logFile).substring((int) logBefore) : "")
                  + Files.readString(dir.resolve("mosquitto.out"));
          if (thisStart.contains("Address already in use")) throw new PortTaken(log);
          throw new IllegalStateException("mosquitto exited: " + log);
        }
        if (System.nanoTime() > deadline) {
          stop();
          throw new IllegalStateException("mosquitto not listening: " + log());
        }
        LockSupport.parkNanos(20_000_000);
      }
    }
  }

  /** SIGTERM, as a service manager stops it: it saves its state and exits. */
  void stop() {
    if (process == null) return;
    Processes.stop(process);
    process = null;
  }

  String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  String log() {
    StringBuilder text = new StringBuilder();
    for (String name : List.of("mosquitto.log", "mosquitto.out")) {
      try {
        if (Files.exists(dir.resolve(name))) text.append(Files.readString(dir.resolve(name)));
      } catch (IOException e) {
        text.append("(").append(name).append(" unreadable)");
      }
    }
    return text.length() == 0 ? "(no log)" : text.toString();
  }

  static void run(List<String> command, Path dir) throws Exception {
    Path out = Files.createTempFile(dir, "run", ".out");
    Process p =
        Processes.start(
            new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile()));
    try {
      if (!p.waitFor(RunningGateway.DEADLINE.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " failed: " + Files.readString(out));
      }
    } finally {
      Processes.stop(p);
      Files.deleteIfExists(out);
    }
  }

  @Override
  public void close() {
    stop();
  }
}
