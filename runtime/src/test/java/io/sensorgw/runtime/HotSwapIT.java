package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot swap under load, as an operator does it: steady HTTP load on the MPU-6050 while the TF-Luna
 * driver bundle is updated through deploy/ (20 times, or sensorgw.swap.cycles) and once through the
 * Web Console's upload. Nothing else may notice, and nothing may leak.
 */
class HotSwapIT {
  private static final String DRIVER = "io.sensorgw.device.tfluna";

  @Test
  void driverUpdatesUnderLoadFailNoOtherRequestAndLeakNothing(@TempDir Path home) throws Exception {
    int cycles = Integer.getInteger("sensorgw.swap.cycles", 20);
    generousReadTimeouts(home);
    try (RunningGateway gateway = new RunningGateway(home)) {
      gateway.awaitResponse(
          "/api/sensors/tfluna-1/reading", r -> r.statusCode() == 200, "TF-Luna up");
      gateway.awaitResponse(
          "/api/sensors/mpu6050-1/reading", r -> r.statusCode() == 200, "MPU-6050 up");
      String auth = gateway.consoleAuth();
      Path deployed = home.resolve("deploy/" + DRIVER + ".jar");
      byte[] original = Files.readAllBytes(deployed);
      // A first swap settles what a swap may leave behind once (class loading, JIT), then measure.
      swapThroughDeploy(gateway, deployed, original, "warmup");
      Baseline before = Baseline.of(gateway, auth);

      LoadOnOtherSensor load = new LoadOnOtherSensor(gateway, 8);
      List<Long> swapMillis = new ArrayList<>();
      try {
        for (int cycle = 1; cycle <= cycles; cycle++) {
          swapMillis.add(
              swapThroughDeploy(gateway, deployed, original, String.format("swap%03d", cycle)));
        }
        swapMillis.add(swapThroughConsole(gateway, auth, original, "console"));
      } finally {
        load.stop();
      }
      Collections.sort(swapMillis);
      System.out.printf(
          "hot swap: %d swaps, jar replaced -> first reading: median %d ms, max %d ms; "
              + "load on mpu6050-1: %d requests, %d failed, %.0f req/s%n",
          swapMillis.size(),
          swapMillis.get(swapMillis.size() / 2),
          swapMillis.get(swapMillis.size() - 1),
          load.requests.get(),
          load.failures.get(),
          load.rate());
      assertEquals(
          0, load.failures.get(), "requests to the other sensor failed: " + load.firstFailure);
      assertTrue(load.requests.get() > 0, "load ran");

      Baseline after = Baseline.of(gateway, auth);
      System.out.println("before: " + before + "\nafter:  " + after);
      gateway.await(() -> driverThreads(gateway) == 1, "exactly one TF-Luna thread left");
      assertEquals(before.bundles, after.bundles, "no bundle added or lost");
      assertEquals(before.services, after.services, "no service added or lost");
      assertTrue(
          after.fileDescriptors <= before.fileDescriptors + 20,
          "file descriptors back near the baseline: "
              + before.fileDescriptors
              + " -> "
              + after.fileDescriptors);

      // A configuration file edited in config/ changes the running sensor, no restart.
      Path config = home.resolve("config/io.sensorgw.device.tfluna-sim.cfg");
      Files.writeString(
          config, Files.readString(config).replace("max.age.ms=100", "max.age.ms=250"));
      gateway.awaitResponse(
          "/api/sensors/tfluna-1",
          r -> r.body().contains("\"maxAgeMs\":250"),
          "max age from the edited file");
    }
  }

  /**
   * The default configuration, with read timeouts a busy machine cannot exceed (the defaults, 1 s
   * for the TF-Luna and 500 ms for the MPU-6050, only hold on an idle one): a request that fails
   * under load must fail because of the swap, not because two cores were busy for half a second.
   */
  private static void generousReadTimeouts(Path home) throws IOException {
    Path repo = Path.of(System.getProperty("sensorgw.repo", "..")).toAbsolutePath().normalize();
    Path config = Files.createDirectories(home.resolve("config"));
    String timeout = "read.timeout.ms=" + RunningGateway.DEADLINE.toMillis();
    for (String name :
        List.of("io.sensorgw.device.tfluna-sim.cfg", "io.sensorgw.device.mpu6050-sim.cfg")) {
      String text =
          Files.readString(repo.resolve("runtime/config").resolve(name))
              .replaceAll("(?m)^read\\.timeout\\.ms=.*\n", "");
      Files.writeString(
          config.resolve(name), text + (text.endsWith("\n") ? "" : "\n") + timeout + "\n");
    }
  }

  /** Replaces the driver jar in deploy/ with a new build of it; ms until it serves a reading. */
  private static long swapThroughDeploy(
      RunningGateway gateway, Path deployed, byte[] original, String qualifier) throws Exception {
    Path staged = deployed.resolveSibling(qualifier + ".tmp");
    Files.write(staged, withQualifier(original, qualifier));
    long start = System.nanoTime();
    Files.move(
        staged, deployed, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    awaitNewDriver(gateway, qualifier);
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** Updates the driver through the Web Console's install/update form. */
  private static long swapThroughConsole(
      RunningGateway gateway, String auth, byte[] original, String qualifier) throws Exception {
    String boundary = UUID.randomUUID().toString();
    byte[] jar = withQualifier(original, qualifier);
    var body = new java.io.ByteArrayOutputStream();
    for (String[] field : new String[][] {{"action", "install"}, {"bundlestart", "start"}}) {
      body.writeBytes(
          ("--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\""
                  + field[0]
                  + "\"\r\n\r\n"
                  + field[1]
                  + "\r\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"bundlefile\"; filename=\""
                + DRIVER
                + ".jar\"\r\nContent-Type: application/java-archive\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.writeBytes(jar);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    long start = System.nanoTime();
    HttpResponse<String> response =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("/system/console/bundles"))
                .header("Authorization", auth)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    assertTrue(response.statusCode() < 400, "upload accepted: " + response.statusCode());
    awaitNewDriver(gateway, qualifier);
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static void awaitNewDriver(RunningGateway gateway, String qualifier) throws IOException {
    // Meanwhile the swapped sensor answers at once: 200 from the old or new driver, or 503 in
    // between.
    HttpResponse<String> during = gateway.get("/api/sensors/tfluna-1/reading", null);
    assertTrue(
        during.statusCode() == 200 || during.statusCode() == 503,
        "during a swap: " + during.statusCode() + " " + during.body());
    gateway.awaitResponse(
        "/api/sensors/tfluna-1",
        r ->
            r.statusCode() == 200
                && r.body().contains("\"bundle\":\"" + DRIVER + " 0.1.0." + qualifier + "\""),
        "driver " + qualifier);
    gateway.awaitResponse(
        "/api/sensors/tfluna-1/reading",
        r -> r.statusCode() == 200,
        "a reading from driver " + qualifier);
  }

  /** The same bundle with another Bundle-Version qualifier, so FileInstall sees a new build. */
  static byte[] withQualifier(byte[] jar, String qualifier) throws IOException {
    var out = new java.io.ByteArrayOutputStream();
    try (JarInputStream in = new JarInputStream(new java.io.ByteArrayInputStream(jar))) {
      Manifest manifest = new Manifest(in.getManifest());
      String version = manifest.getMainAttributes().getValue("Bundle-Version");
      String[] parts = version.split("\\.");
      manifest
          .getMainAttributes()
          .putValue("Bundle-Version", parts[0] + "." + parts[1] + "." + parts[2] + "." + qualifier);
      try (JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
        JarEntry entry;
        while ((entry = in.getNextJarEntry()) != null) {
          jarOut.putNextEntry(new JarEntry(entry.getName()));
          in.transferTo(jarOut);
          jarOut.closeEntry();
        }
      }
    }
    return out.toByteArray();
  }

  /** Threads of the TF-Luna driver in the gateway JVM (Linux truncates names to 15 characters). */
  static long driverThreads(RunningGateway gateway) {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + gateway.pid() + "/task"))) {
      return tasks
          .filter(
              task -> {
                try {
                  return Files.readString(task.resolve("comm"))
                      .trim()
                      .startsWith("sensorgw-tfluna");
                } catch (IOException e) {
                  return false; // the thread ended while we looked
                }
              })
          .count();
    } catch (IOException e) {
      return -1;
    }
  }

  /** Bundles, services, open files, threads and resident memory of the gateway. */
  record Baseline(int bundles, int services, long fileDescriptors, long threads, long rssKb) {
    private static final Pattern TOTAL = Pattern.compile("\"s\":\\[(\\d+)");
    private static final Pattern SERVICES = Pattern.compile("\"serviceCount\":(\\d+)");

    static Baseline of(RunningGateway gateway, String auth) throws IOException {
      Matcher bundles = TOTAL.matcher(gateway.get("/system/console/bundles.json", auth).body());
      Matcher services =
          SERVICES.matcher(gateway.get("/system/console/services.json", auth).body());
      assertTrue(bundles.find() && services.find(), "console answers with counts");
      Path proc = Path.of("/proc/" + gateway.pid());
      long files;
      long threads;
      try (Stream<Path> fds = Files.list(proc.resolve("fd"));
          Stream<Path> tasks = Files.list(proc.resolve("task"))) {
        files = fds.count();
        threads = tasks.count();
      }
      long rss =
          Files.readAllLines(proc.resolve("status")).stream()
              .filter(l -> l.startsWith("VmRSS:"))
              .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
              .findFirst()
              .orElse(-1L);
      return new Baseline(
          Integer.parseInt(bundles.group(1)),
          Integer.parseInt(services.group(1)),
          files,
          threads,
          rss);
    }
  }

  /** Closed-loop HTTP load on the MPU-6050's reading, from several client threads. */
  static final class LoadOnOtherSensor {
    final AtomicLong requests = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    volatile String firstFailure;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ExecutorService clients;
    private final long startNanos = System.nanoTime();
    private volatile long stopNanos;

    LoadOnOtherSensor(RunningGateway gateway, int threads) {
      clients = Executors.newFixedThreadPool(threads);
      for (int i = 0; i < threads; i++) {
        clients.submit(
            () -> {
              while (running.get()) {
                int status;
                try {
                  status = gateway.get("/api/sensors/mpu6050-1/reading", null).statusCode();
                } catch (IOException e) {
                  status = -1;
                }
                requests.incrementAndGet();
                if (status != 200) {
                  failures.incrementAndGet();
                  if (firstFailure == null) firstFailure = "status " + status;
                }
              }
            });
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      stopNanos = System.nanoTime();
      clients.shutdown();
      clients.awaitTermination(RunningGateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    double rate() {
      return requests.get() / ((stopNanos - startNanos) / 1e9);
    }
  }
}
