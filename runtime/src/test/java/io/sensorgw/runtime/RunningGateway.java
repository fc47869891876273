package io.sensorgw.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The exported gateway started with runtime/bin/start in a home folder, as a user runs it. It is
 * stopped with its process tree when closed, and by a JVM shutdown hook should a test not get
 * there.
 */
final class RunningGateway implements AutoCloseable {
  /** The bound of every wait: generous, since a busy machine is slow (the normal case is fast). */
  static final Duration DEADLINE = Duration.ofMinutes(2);

  private static final ObjectMapper JSON = new ObjectMapper();

  final Path home;
  final int port;

  /** The HTTPS port (0 when the gateway listens on one port only). */
  final int httpsPort;

  final Path log;
  final Process process;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(DEADLINE).build();

  RunningGateway(Path home) throws Exception {
    this(home, false);
  }

  /** With {@code shell}, the Gogo shell reads the commands {@link #shell} types. */
  RunningGateway(Path home, boolean shell) throws Exception {
    this(home, shell, 0);
  }

  /**
   * On a given HTTP port (0: a free one Jetty picks): a gateway restarted in the same home comes
   * back where a browser's page expects it.
   */
  RunningGateway(Path home, boolean shell, int httpPort) throws Exception {
    this.home = home;
    Path repo = Path.of(System.getProperty("sensorgw.repo", "..")).toAbsolutePath().normalize();
    log = home.resolve("gateway.out");
    List<String> command =
        new java.util.ArrayList<>(List.of(repo.resolve("runtime/bin/start").toString()));
    if (shell) command.add("--shell");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("SENSORGW_HOME", home.toString());
    // Port 0: Jetty binds a free port itself, found below. A port picked here and bound later by
    // the gateway could be taken by another process in between.
    builder
        .environment()
        .put(
            "JAVA_OPTS",
            "-Dorg.osgi.service.http.port=" + httpPort + " -Dorg.osgi.service.http.port.secure=0");
    process = Processes.start(builder);
    try {
      port = awaitHttpPort();
      await(() -> status("/health", null) == 200, "/health answers 200");
      httpsPort = listeningPorts().stream().filter(p -> p != port).findFirst().orElse(0);
    } catch (Throwable e) {
      close(); // a gateway that did not come up is not left running
      throw e;
    }
  }

  /** The port of the gateway's HTTP server: the one of its listening sockets that answers HTTP. */
  private int awaitHttpPort() throws IOException {
    AtomicReference<Integer> found = new AtomicReference<>();
    await(
        () -> {
          for (int candidate : listeningPorts()) {
            if (status(candidate, "/health", null)
                == 200) { // the HTTPS port may answer plain text with 400
              found.set(candidate);
              return true;
            }
          }
          return false;
        },
        "the gateway answering /health over HTTP");
    return found.get();
  }

  /** TCP ports the gateway's JVM listens on (Linux: its socket inodes in the kernel's tables). */
  private Set<Integer> listeningPorts() {
    Path proc = Path.of("/proc", String.valueOf(process.pid()));
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
      fds.forEach(
          fd -> {
            try {
              String target = Files.readSymbolicLink(fd).toString();
              if (target.startsWith("socket:["))
                inodes.add(target.substring(8, target.length() - 1));
            } catch (IOException closedMeanwhile) {
              // not a socket of interest
            }
          });
    } catch (IOException notYet) {
      return Set.of();
    }
    Set<Integer> ports = new TreeSet<>();
    for (String table : List.of("tcp", "tcp6")) {
      try {
        for (String line : Files.readAllLines(proc.resolve("net").resolve(table))) {
          String[] f = line.trim().split("\\s+");
          // sl local_address rem_address st ... inode: state 0A is LISTEN
          if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
            ports.add(Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16));
          }
        }
      } catch (IOException | RuntimeException e) {
        // no such table or a line we do not understand: another table may have it
      }
    }
    return ports;
  }

  /** The process id of the JVM (the start script execs it). */
  long pid() {
    return process.pid();
  }

  String consoleAuth() throws IOException {
    await(
        () -> Files.isRegularFile(home.resolve("data/console-password")),
        "the console password file");
    String password = Files.readString(home.resolve("data/console-password")).trim();
    return "Basic "
        + Base64.getEncoder()
            .encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Types a Gogo command (the gateway must have been started with the shell) and returns what the
   * shell printed after it once {@code expected} appears there.
   */
  String shell(String command, String expected) throws IOException {
    AtomicReference<String> printed = new AtomicReference<>("");
    long from = type(command);
    int[] typed = {1};
    await(
        () -> {
          try {
            byte[] all = Files.readAllBytes(log);
            int start = (int) Math.min(from, all.length);
            printed.set(new String(all, start, all.length - start, StandardCharsets.UTF_8));
            if (printed.get().contains(expected)) return true;
            // Its bundle was not started yet: once every typing has been refused, type it again.
            if (printed.get().split("CommandNotFoundException", -1).length - 1 >= typed[0]) {
              type(command);
              typed[0]++;
            }
            return false;
          } catch (IOException e) {
            return false;
          }
        },
        "'" + expected + "' after the shell command " + command,
        printed::get);
    return printed.get();
  }

  /** Types a line into the shell; returns where its output starts in the log. */
  private long type(String command) throws IOException {
    long before = Files.size(log);
    process.getOutputStream().write((command + "\n").getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().flush();
    return before;
  }

  /** Pass as the authorization of {@link #get} to send none at all. */
  static final String NO_CREDENTIAL = "";

  /** The admin token the gateway made on its first start ({@code data/admin-token}). */
  String token() throws IOException {
    await(() -> Files.isRegularFile(home.resolve("data/admin-token")), "the admin token file");
    return Files.readString(home.resolve("data/admin-token")).trim();
  }

  /** {@code Authorization} with the admin token. */
  String bearer() throws IOException {
    return "Bearer " + token();
  }

  /**
   * GET with {@code authorization}; null means the admin token on the gateway's routes (the Web
   * Console has its own login), {@link #NO_CREDENTIAL} none.
   */
  HttpResponse<String> get(String path, String authorization) throws IOException {
    return get(port, path, authorization);
  }

  private HttpResponse<String> get(int port, String path, String authorization) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(DEADLINE);
    if (authorization == null
        && !path.startsWith("/health")
        && !path.startsWith("/system/console")) {
      authorization = bearer();
    }
    if (authorization != null && !authorization.isEmpty())
      request.header("Authorization", authorization);
    return send(request);
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  int status(String path, String authorization) {
    return status(port, path, authorization);
  }

  private int status(int port, String path, String authorization) {
    try {
      return get(port, path, authorization).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  HttpResponse<String> awaitResponse(
      String path, Predicate<HttpResponse<String>> condition, String what) throws IOException {
    AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
    await(
        () -> {
          try {
            last.set(get(path, null));
            return condition.test(last.get());
          } catch (IOException e) {
            return false;
          }
        },
        what);
    return last.get();
  }

  void await(BooleanSupplier condition, String what) throws IOException {
    await(condition, what, () -> "");
  }

  /**
   * Waits for {@code condition}; a failure says what was awaited, {@code details} and the output.
   */
  void await(BooleanSupplier condition, String what, Supplier<String> details) throws IOException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "gateway exited while waiting for "
                + what
                + " "
                + details.get()
                + ":\n"
                + Files.readString(log));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out waiting for "
                + what
                + " "
                + details.get()
                + "; gateway output:\n"
                + Files.readString(log));
      }
      LockSupport.parkNanos(20_000_000); // poll interval
    }
  }

  /** {@code /health} as JSON; an empty object while it does not answer. */
  JsonNode health() {
    try {
      return JSON.readTree(get("/health", null).body());
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  /** A part's state in {@code /health} ({@code store}, {@code mqtt}), or {@code absent}. */
  String partState(String part) {
    return health().path("parts").path(part).path("state").asText("absent");
  }

  /**
   * A metric of a metrics source ({@code store}, {@code mqtt}) in {@code /metrics} by the name the
   * source gives it ({@code written}, {@code spoolPending}), or -1: the series {@code
   * sensorgw_<source>_<name in snake case>}, with {@code _total} when it is a counter.
   */
  double sourceMetric(String source, String name) {
    try {
      Matcher m = sourceMetricLine(source, name).matcher(get("/metrics", null).body());
      return m.find() ? Double.parseDouble(m.group(1)) : -1;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** The sample line of {@link #sourceMetric}, its value as group 1. */
  static Pattern sourceMetricLine(String source, String name) {
    String snake = name.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    return Pattern.compile(
        "^sensorgw_" + source + "_" + snake + "(?:_total)? (\\S+)$", Pattern.MULTILINE);
  }

  /** SIGTERM (the framework stops every bundle, up to 30 s), then SIGKILL; with its children. */
  @Override
  public void close() {
    Processes.stop(process, DEADLINE);
  }
}
