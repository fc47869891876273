package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian packages the build makes (runtime/deb): the three architectures' contents compared,
 * and the package of this machine's architecture installed with apt-get as root (or through sudo,
 * like DiskFullIT), run as its systemd unit would run it, upgraded to a rebuilt newer version,
 * removed and purged. Where systemd is not PID 1 (containers, this CI), the unit's ExecStart is run
 * as its User with its Environment, EnvironmentFile, UMask and NoNewPrivileges, all read from the
 * installed unit file; its sandboxing (ProtectSystem and the rest) then does not apply.
 */
class DebianPackageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEADLINE = RunningGateway.DEADLINE;
  private static final Path UNIT = Path.of("/lib/systemd/system/sensorgw.service");
  private static final Path DEFAULTS = Path.of("/etc/default/sensorgw");
  private static final Path HOME = Path.of("/var/lib/sensorgw");
  private static final Path ETC = Path.of("/etc/sensorgw");
  private static final Pattern NATIVE = Pattern.compile(".*\\.(so|dll|dylib|jnilib)$");

  /** Natives each package must carry: OpenCV's and jSerialComm's for its architecture. */
  private static final Map<String, List<String>> OWN_NATIVES =
      Map.of(
          "amd64",
              List.of(
                  "opencv.jar!nu/pattern/opencv/linux/x86_64/libopencv_java490.so",
                  "!Linux/x86_64/libjSerialComm.so"),
          "arm64",
              List.of(
                  "opencv.jar!nu/pattern/opencv/linux/ARMv8/libopencv_java490.so",
                  "!Linux/armv8_64/libjSerialComm.so"),
          "armhf",
              List.of(
                  "opencv.jar!nu/pattern/opencv/linux/ARMv7/libopencv_java490.so",
                  "!Linux/armv7hf/libjSerialComm.so"));

  private static final Map<String, Pattern> ARCH_FOLDERS =
      Map.of(
          "amd64", Pattern.compile("(?i)[/!]linux/x86_64/"),
          "arm64", Pattern.compile("(?i)[/!]linux/(armv8|armv8_64)/"),
          "armhf", Pattern.compile("(?i)[/!]linux/(armv7|armv7hf|armv6hf|armv5|armv8_32)/"));

  @TempDir Path temp;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(DEADLINE).build();

  private static Path debDir() {
    return Path.of(System.getProperty("sensorgw.deb.dir", "target/deb"));
  }

  private static Path packageOf(Path dir, String arch) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> found =
          files
              .filter(f -> f.getFileName().toString().matches("sensorgw_.+_" + arch + "\\.deb"))
              .toList();
      assertEquals(1, found.size(), "one " + arch + " package in " + dir + ": " + found);
      return found.get(0);
    }
  }

  record Result(int exit, String output) {}

  private static Result run(List<String> command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
    Process process = Processes.start(builder);
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(process.waitFor(10, TimeUnit.MINUTES), "finished: " + command);
      return new Result(process.exitValue(), output);
    } finally {
      Processes.stop(process);
    }
  }

  private static List<String> asRoot(String... command) {
    List<String> line = new ArrayList<>();
    if (!"root".equals(System.getProperty("user.name"))) line.addAll(List.of("sudo", "-n"));
    line.addAll(List.of(command));
    return line;
  }

  /** Runs a command as root; it must succeed. */
  private static String root(String... command) throws Exception {
    Result result = run(asRoot(command));
    assertEquals(0, result.exit(), String.join(" ", command) + ":\n" + result.output());
    return result.output();
  }

  private static int rootExit(String... command) throws Exception {
    return run(asRoot(command)).exit();
  }

  // ---------------------------------------------------------------------------------------------
  // The three architectures

  @Test
  void thePackagesOfTheThreeArchitecturesDifferOnlyInTheirNatives() throws Exception {
    Map<String, Set<String>> files = new TreeMap<>();
    Map<String, Map<String, Long>> common = new TreeMap<>();
    for (String arch : List.of("amd64", "arm64", "armhf")) {
      Path deb = packageOf(debDir(), arch);
      assertEquals(
          arch, run(List.of("dpkg-deb", "-f", deb.toString(), "Architecture")).output().strip());
      String depends = run(List.of("dpkg-deb", "-f", deb.toString(), "Depends")).output();
      assertTrue(depends.contains("openjdk-17-jre-headless | java17-runtime-headless"), depends);

      Path tree = Files.createDirectories(temp.resolve(arch));
      assertEquals(0, run(List.of("dpkg-deb", "-x", deb.toString(), tree.toString())).exit());
      Set<String> paths = new TreeSet<>();
      Map<String, Long> entries = new TreeMap<>();
      Set<String> natives = new TreeSet<>();
      try (Stream<Path> walk = Files.walk(tree)) {
        for (Path file : walk.filter(Files::isRegularFile).toList()) {
          String path = "/" + tree.relativize(file);
          paths.add(path);
          if (path.endsWith(".jar")) {
            try (InputStream in = Files.newInputStream(file)) {
              listJar(file.getFileName().toString(), in, entries, natives);
            }
          }
        }
      }
      files.put(arch, paths);
      common.put(arch, entries);
      assertTrue(paths.contains("/usr/share/sensorgw/deploy/opencv.jar"), "OpenCV is in " + arch);
      for (String own : OWN_NATIVES.get(arch)) {
        assertTrue(
            natives.stream().anyMatch(n -> n.endsWith(own)),
            arch + " carries " + own + ": " + natives);
      }
      for (String library : natives) {
        assertTrue(
            ARCH_FOLDERS.get(arch).matcher(library).find(),
            arch + " carries a foreign native " + library);
      }
    }
    assertEquals(files.get("amd64"), files.get("arm64"), "the same files in amd64 and arm64");
    assertEquals(files.get("amd64"), files.get("armhf"), "the same files in amd64 and armhf");
    assertEquals(
        common.get("amd64"),
        common.get("arm64"),
        "the same jar entries (name and CRC) but natives");
    assertEquals(
        common.get("amd64"),
        common.get("armhf"),
        "the same jar entries (name and CRC) but natives");
  }

  /** Entries of a jar and of jars inside it: natives by name, the rest by name and CRC. */
  private static void listJar(
      String prefix, InputStream jar, Map<String, Long> entries, Set<String> natives)
      throws IOException {
    ZipInputStream in = new ZipInputStream(jar);
    for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
      String name = prefix + "!" + entry.getName();
      if (NATIVE.matcher(entry.getName().toLowerCase()).matches()) {
        natives.add(name);
      } else if (entry.getName().endsWith(".jar")) {
        listJar(name, new ByteArrayInputStream(in.readAllBytes()), entries, natives);
      } else {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(in.readAllBytes());
        entries.put(name, crc.getValue());
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Install, run as the service, upgrade, remove, purge

  @Test
  void installedRunsAsItsUnitKeepsEverythingAcrossAnUpgradeAndPurgeRemovesIt() throws Exception {
    String arch = run(List.of("dpkg", "--print-architecture")).output().strip();
    Path deb = packageOf(debDir(), arch);
    assertNotEquals(
        0,
        rootExit("dpkg", "-s", "sensorgw"),
        "a sensorgw package is installed on this machine: the test would replace it (remove it first)");
    assertNotEquals(
        0,
        rootExit("getent", "passwd", "sensorgw"),
        "a user sensorgw exists already on this machine");
    assertFalse(exists(DEFAULTS), DEFAULTS + " exists already on this machine");
    Service service = null;
    try {
      root(
          "apt-get",
          "install",
          "-y",
          "-q",
          "--no-install-recommends",
          deb.toAbsolutePath().toString());
      checkInstalled();

      service = startAsTheUnit("first");
      int port = service.port;
      String token = read(HOME.resolve("data/admin-token")).strip();
      await(service, () -> storedReadings(port, token, 0, Long.MAX_VALUE) > 0, "readings stored");
      JsonNode tokens = tokenHashes(read(HOME.resolve("data/tokens.json")));
      assertEquals(1, tokens.size(), "the admin token: " + tokens);
      service.stop();
      service = null;
      long stoppedAt = System.currentTimeMillis();
      assertTrue(storedCountOnDisk(), "the database file is in " + HOME.resolve("data"));

      // What a user changes between upgrades: a shipped file (a conffile), a file of their own
      // (as the console saves one), and the data the gateway wrote (readings, tokens).
      Path shipped = ETC.resolve("io.sensorgw.device.tfluna-sim.cfg");
      write(shipped, read(shipped) + "\n# edited before the upgrade (DebianPackageIT)\n");
      Path own = ETC.resolve("io.sensorgw.device.tfluna-extra.config");
      write(own, "sensor.id=\"tfluna-extra\"\nmode=\"simulated\"\n");
      root("chown", "sensorgw:sensorgw", own.toString());
      root("chmod", "0600", own.toString());

      String version =
          deb.getFileName().toString().replaceFirst("^sensorgw_(.+)_" + arch + "\\.deb$", "$1");
      String newer = version + "+it2";
      Path repo = Path.of(System.getProperty("sensorgw.repo", "..")).toAbsolutePath().normalize();
      Path rebuilt = Files.createDirectories(temp.resolve("rebuilt"));
      Result build =
          run(
              List.of(
                  repo.resolve("runtime/deb/build-debs").toString(),
                  newer,
                  rebuilt.toString(),
                  arch));
      assertEquals(0, build.exit(), build.output());
      root(
          "apt-get",
          "install",
          "-y",
          "-q",
          "--no-install-recommends",
          "-o",
          "Dpkg::Options::=--force-confold",
          packageOf(rebuilt, arch).toAbsolutePath().toString());
      assertEquals(newer, root("dpkg-query", "-W", "-f", "${Version}", "sensorgw").strip());
      assertTrue(
          read(shipped).contains("edited before the upgrade"), "the edited conffile is kept");
      assertTrue(exists(own), "the user's own configuration is kept");
      assertEquals(
          token, read(HOME.resolve("data/admin-token")).strip(), "the admin token is kept");
      assertEquals(
          tokens, tokenHashes(read(HOME.resolve("data/tokens.json"))), "the tokens are kept");
      checkInstalled();

      Result downgrade = run(asRoot("dpkg", "-i", deb.toAbsolutePath().toString()));
      assertNotEquals(0, downgrade.exit(), downgrade.output());
      assertTrue(downgrade.output().contains("refusing to downgrade"), downgrade.output());
      assertEquals(
          newer,
          root("dpkg-query", "-W", "-f", "${Version}", "sensorgw").strip(),
          "still the newer version");

      service = startAsTheUnit("upgraded");
      int upgradedPort = service.port;
      await(
          service,
          () -> status(upgradedPort, "/api/sensors/tfluna-extra", token) == 200,
          "the user's own sensor after the upgrade");
      // The store answers 503 until its database is open: waited for.
      await(
          service,
          () -> storedReadings(upgradedPort, token, stoppedAt - 3_600_000, stoppedAt) > 0,
          "readings stored before the upgrade, read with the token made before it");
      service.stop();
      service = null;

      root("apt-get", "remove", "-y", "-q", "sensorgw");
      assertFalse(exists(Path.of("/usr/share/sensorgw/sensorgw.jar")), "the program is removed");
      assertTrue(storedCountOnDisk(), "remove keeps the data");
      assertTrue(exists(own) && exists(shipped), "remove keeps the configuration");
      assertEquals(
          0,
          rootExit("getent", "passwd", "sensorgw"),
          "remove keeps the user (its files are still there)");

      root("apt-get", "purge", "-y", "-q", "sensorgw");
      assertFalse(exists(HOME), "purge removes " + HOME);
      assertFalse(exists(ETC), "purge removes " + ETC);
      assertNotEquals(0, rootExit("getent", "passwd", "sensorgw"), "purge removes the user");
      assertNotEquals(0, rootExit("getent", "group", "sensorgw"), "purge removes the group");
      assertFalse(
          isLink(Path.of("/etc/systemd/system/multi-user.target.wants/sensorgw.service")),
          "purge removes the service's enablement");
      assertFalse(isLink(Path.of("/etc/systemd/system/sensorgw.service")), "and its mask");
    } finally {
      if (service != null) service.stop();
      // Whatever happened above, the machine is left as it was found.
      if (rootExit("dpkg", "-s", "sensorgw") == 0) rootExit("dpkg", "--purge", "sensorgw");
      if (rootExit("getent", "passwd", "sensorgw") == 0) rootExit("userdel", "sensorgw");
      rootExit("rm", "-rf", DEFAULTS.toString(), HOME.toString(), ETC.toString());
    }
  }

  /** Each token's name, scope and hash (when it was last used may change). */
  private static JsonNode tokenHashes(String tokensJson) throws IOException {
    com.fasterxml.jackson.databind.node.ArrayNode hashes = JSON.createArrayNode();
    for (JsonNode token : JSON.readTree(tokensJson).path("tokens")) {
      hashes.add(
          token.path("name").asText()
              + " "
              + token.path("scope").asText()
              + " "
              + token.path("sha256").asText());
    }
    return hashes;
  }

  private static boolean storedCountOnDisk() throws Exception {
    return exists(HOME.resolve("data/readings.mv.db"));
  }

  // The installed files are root's and the service's (0750, 0600): read and written as root.
  private static String read(Path file) throws Exception {
    return root("cat", file.toString());
  }

  private static boolean exists(Path file) throws Exception {
    return rootExit("test", "-e", file.toString()) == 0;
  }

  private static boolean isLink(Path file) throws Exception {
    return rootExit("test", "-L", file.toString()) == 0;
  }

  private static void write(Path file, String text) throws Exception {
    Path staged = Files.createTempFile("sensorgw-it", ".txt");
    try {
      Files.writeString(staged, text);
      root("cp", staged.toString(), file.toString());
    } finally {
      Files.delete(staged);
    }
  }

  private void checkInstalled() throws Exception {
    assertEquals("root:root 644", stat("/usr/share/sensorgw/sensorgw.jar"));
    assertEquals("root:root 644", stat("/usr/share/sensorgw/deploy/opencv.jar"));
    assertEquals("root:root 755", stat("/usr/share/sensorgw/bin/start"));
    assertEquals("root:root 755", stat("/usr/share/sensorgw/bin/doctor"));
    assertEquals("root:root 755", stat("/usr/bin/sensorgw"));
    assertEquals("root:root 644", stat(UNIT.toString()));
    assertEquals(
        "sensorgw:sensorgw 750", stat(ETC.toString()), "the configuration is the service's only");
    assertEquals(
        "sensorgw:sensorgw 600", stat(ETC.resolve("io.sensorgw.device.tfluna-sim.cfg").toString()));
    assertEquals("sensorgw:sensorgw 750", stat(HOME.toString()));
    assertEquals("sensorgw:sensorgw 750", stat(HOME.resolve("data").toString()));
    assertEquals(ETC.toString(), root("readlink", HOME.resolve("config").toString()).strip());
    assertEquals(
        "/usr/share/sensorgw/deploy", root("readlink", HOME.resolve("deploy").toString()).strip());
    String conffiles = root("dpkg-query", "--showformat=${Conffiles}", "-W", "sensorgw");
    assertTrue(conffiles.contains("/etc/sensorgw/io.sensorgw.device.tfluna-sim.cfg"), conffiles);

    String[] user = root("getent", "passwd", "sensorgw").strip().split(":");
    assertTrue(Integer.parseInt(user[2]) < 1000, "a system user: " + String.join(":", user));
    assertEquals(HOME.toString(), user[5]);
    assertEquals("/usr/sbin/nologin", user[6]);
    Set<String> groups =
        new HashSet<>(List.of(root("id", "-nG", "sensorgw").strip().split("\\s+")));
    for (String device : List.of("i2c", "spi", "gpio", "dialout", "video", "bluetooth")) {
      if (rootExit("getent", "group", device) == 0)
        assertTrue(groups.contains(device), "in group " + device + ": " + groups);
    }
    assertTrue(
        isLink(Path.of("/etc/systemd/system/multi-user.target.wants/sensorgw.service")),
        "the service is enabled (started at boot)");

    // systemd's own check of the installed units (it runs without systemd as PID 1).
    Result verify =
        run(
            asRoot(
                "systemd-analyze",
                "verify",
                UNIT.toString(),
                "/lib/systemd/system/sensorgw-healthcheck.service",
                "/lib/systemd/system/sensorgw-healthcheck.timer"));
    assertEquals(0, verify.exit(), verify.output());
    assertFalse(
        verify.output().contains("sensorgw"), "no remark on sensorgw's units: " + verify.output());
  }

  private static String stat(String path) throws Exception {
    return root("stat", "-c", "%U:%G %a", path).strip();
  }

  /**
   * Starts the service as its unit says: with systemd where it runs, else the unit's ExecStart as
   * its User and Group (and their groups), with its environment and umask, in /, as systemd would.
   * The HTTP ports are set to 0 (free ones) in the unit's EnvironmentFile, as an admin would set a
   * port, so that the test never meets another gateway on 8000.
   */
  private Service startAsTheUnit(String name) throws Exception {
    SystemdUnit unit = SystemdUnit.read(UNIT);
    String javaOpts = unit.environment().get("JAVA_OPTS");
    assertTrue(
        javaOpts != null && javaOpts.contains("-XX:MaxMetaspaceSize"),
        "the unit's memory flags: " + javaOpts);
    write(
        DEFAULTS,
        "JAVA_OPTS=\""
            + javaOpts
            + " -Dorg.osgi.service.http.port=0 -Dorg.osgi.service.http.port.secure=0\"\n");
    String user = unit.value("User", "root");
    long started = System.nanoTime();
    Service service;
    if (Files.isDirectory(
        Path.of("/run/systemd/system"))) { // systemd is PID 1: it starts the service itself
      root("systemctl", "daemon-reload");
      root("systemctl", "start", "sensorgw.service");
      long pid =
          Long.parseLong(
              root("systemctl", "show", "-p", "MainPID", "--value", "sensorgw.service").strip());
      service = new Service(ProcessHandle.of(pid).orElseThrow(), null, null);
    } else {
      service = startAsSystemdWould(unit, user, name);
    }
    service.port = httpPort(service);
    await(service, () -> status(service.port, "/health", null) == 200, "/health answers 200");
    System.out.printf(
        "DebianPackageIT: %s start as the unit to /health 200: %d ms%n",
        name, (System.nanoTime() - started) / 1_000_000);
    String whoami = root("ps", "-o", "user=", "-p", String.valueOf(service.jvm.pid())).strip();
    assertEquals(user, whoami, "the gateway runs as the unit's user");
    return service;
  }

  private Service startAsSystemdWould(SystemdUnit unit, String user, String name) throws Exception {
    String group = unit.value("Group", user);
    String[] passwd = root("getent", "passwd", user).strip().split(":");
    List<String> command = new ArrayList<>(asRoot("env", "-i"));
    command.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    command.add("HOME=" + passwd[5]);
    command.add("USER=" + user);
    command.add("LOGNAME=" + user);
    command.add("SHELL=" + passwd[6]);
    String marker =
        System.getenv("SENSORGW_TEST_RUN"); // the test command's mark for leftover processes
    if (marker != null) command.add("SENSORGW_TEST_RUN=" + marker);
    unit.environment().forEach((key, value) -> command.add(key + "=" + value));
    command.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + group, "--init-groups"));
    if (unit.value("NoNewPrivileges", "no").equals("yes")) command.add("--no-new-privs");
    command.addAll(
        List.of(
            "--",
            "/bin/sh",
            "-c",
            "umask " + unit.value("UMask", "0022") + " && exec \"$@\"",
            "sh"));
    command.addAll(unit.execStart());
    Path log = temp.resolve("service-" + name + ".log");
    // env, setpriv, sh and the start script each exec the next: the process started is the JVM.
    Process process =
        Processes.start(
            new ProcessBuilder(command)
                .directory(Path.of("/").toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile()));
    return new Service(process.toHandle(), process, log);
  }

  /**
   * The running service: its JVM, and how it was started (by systemd, or by the test as systemd
   * would).
   */
  private static final class Service {
    final ProcessHandle jvm;
    final Process started; // null when systemd started it
    final Path log;
    int port;

    Service(ProcessHandle jvm, Process started, Path log) {
      this.jvm = jvm;
      this.started = started;
      this.log = log;
    }

    String output() {
      try {
        if (started == null) return root("journalctl", "-u", "sensorgw", "--no-pager", "-n", "200");
        return Files.exists(log) ? Files.readString(log) : "";
      } catch (Exception e) {
        return "(no output: " + e + ")";
      }
    }

    /**
     * As systemctl stop: SIGTERM, then a bounded wait (the unit's TimeoutStopSec), then SIGKILL.
     */
    void stop() throws Exception {
      if (started == null) root("systemctl", "stop", "sensorgw.service");
      else Processes.stop(started, DEADLINE);
    }
  }

  /** The gateway's HTTP port: the one of its listening sockets that answers /health over HTTP. */
  private int httpPort(Service service) throws Exception {
    int[] found = {0};
    await(
        service,
        () -> {
          for (int candidate : listeningPorts(service.jvm.pid())) {
            if (status(candidate, "/health", null) > 0) {
              found[0] = candidate;
              return true;
            }
          }
          return false;
        },
        "the gateway answering over HTTP");
    return found[0];
  }

  private static Set<Integer> listeningPorts(long pid) {
    Path proc = Path.of("/proc", String.valueOf(pid));
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) inodes.add(target.substring(8, target.length() - 1));
        } catch (IOException closedMeanwhile) {
          // not a socket of interest
        }
      }
    } catch (IOException notYet) {
      return Set.of();
    }
    Set<Integer> ports = new TreeSet<>();
    for (String table : List.of("tcp", "tcp6")) {
      try {
        for (String line : Files.readAllLines(proc.resolve("net").resolve(table))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
            ports.add(Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16));
          }
        }
      } catch (IOException | RuntimeException e) {
        // no such table: the other may have it
      }
    }
    return ports;
  }

  /** Readings of tfluna-1 stored in [from, to), counted in day buckets; -1 while not answered. */
  private long storedReadings(int port, String token, long from, long to) {
    try {
      String query =
          "/api/sensors/tfluna-1/readings?every=1d"
              + (to == Long.MAX_VALUE ? "" : "&from=" + from + "&to=" + to);
      HttpResponse<String> answer = get(port, query, token);
      if (answer.statusCode() != 200) return -1;
      long count = 0;
      for (JsonNode bucket : JSON.readTree(answer.body()).path("buckets")) {
        count += bucket.path("values").path("distance").path("count").asLong();
      }
      return count;
    } catch (IOException e) {
      return -1;
    }
  }

  private HttpResponse<String> get(int port, String path, String token) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(DEADLINE);
    if (token != null) request.header("Authorization", "Bearer " + token);
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private int status(int port, String path, String token) {
    try {
      return get(port, path, token).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  private static void await(Service service, BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (!service.jvm.isAlive())
        throw new AssertionError(
            "the service exited while waiting for " + what + ":\n" + service.output());
      if (System.nanoTime() > deadline)
        throw new AssertionError("timed out waiting for " + what + ":\n" + service.output());
      LockSupport.parkNanos(50_000_000); // poll interval
    }
  }
}
