package io.sensorgw.runtime;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** The exported gateway started with runtime/bin/start in a home folder, as a user runs it. */
final class RunningGateway implements AutoCloseable {
  static final Duration DEADLINE = Duration.ofSeconds(60);

  final Path home;
  final int port;
  final Path log;
  final Process process;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  RunningGateway(Path home) throws Exception {
    this.home = home;
    Path repo = Path.of(System.getProperty("sensorgw.repo", "..")).toAbsolutePath().normalize();
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    log = home.resolve("gateway.out");
    ProcessBuilder builder = new ProcessBuilder(repo.resolve("runtime/bin/start").toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("SENSORGW_HOME", home.toString());
    builder.environment().put("JAVA_OPTS", "-Dorg.osgi.service.http.port=" + port);
    process = builder.start();
    await(() -> status("/health", null) == 200, "/health answers 200");
  }

  /** The process id of the JVM (the start script execs it). */
  long pid() {
    return process.pid();
  }

  String consoleAuth() throws IOException {
    await(() -> Files.isRegularFile(home.resolve("data/console-password")), "the console password file");
    String password = Files.readString(home.resolve("data/console-password")).trim();
    return "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
  }

  HttpResponse<String> get(String path, String authorization) throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
    if (authorization != null) request.header("Authorization", authorization);
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
    try {
      return get(path, authorization).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  HttpResponse<String> awaitResponse(String path, Predicate<HttpResponse<String>> condition, String what)
      throws IOException {
    AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
    await(() -> {
      try {
        last.set(get(path, null));
        return condition.test(last.get());
      } catch (IOException e) {
        return false;
      }
    }, what);
    return last.get();
  }

  void await(BooleanSupplier condition, String what) throws IOException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (!process.isAlive()) {
        throw new AssertionError("gateway exited while waiting for " + what + ":\n" + Files.readString(log));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "; gateway output:\n" + Files.readString(log));
      }
      LockSupport.parkNanos(20_000_000); // poll interval
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
