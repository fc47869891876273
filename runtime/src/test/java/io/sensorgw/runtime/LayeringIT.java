package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Who may import what (DESIGN.md), checked on the Import-Package headers of the bundles the runtime
 * ships: those inside target/sensorgw.jar and the hot-deployed ones in target/deploy.
 *
 * <ul>
 *   <li>the api imports nothing of ours;
 *   <li>consumers import only the api and the shared packages, never the driver toolkit ({@code
 *       io.sensorgw.core}) nor a driver;
 *   <li>drivers import the api, the shared packages, the driver toolkit and driver libraries
 *       (vision), never a consumer nor another driver.
 * </ul>
 *
 * A new bundle fails this test until it is given a role below.
 */
class LayeringIT {
  /** The contract: {@code io.sensorgw.api} and its capability packages. */
  private static final String API = "io.sensorgw.api";

  /** Exported by core for any bundle: wire format, executors, fan-out, reporting, web checks. */
  private static final Set<String> SHARED =
      Set.of(
          "io.sensorgw.format",
          "io.sensorgw.concurrent",
          "io.sensorgw.fanout",
          "io.sensorgw.reporting",
          "io.sensorgw.web");

  private static final String DRIVER_TOOLKIT = "io.sensorgw.core";

  /** Libraries for drivers only, not drivers themselves: a camera driver's frame analysis. */
  private static final Set<String> DRIVER_LIBRARIES = Set.of("io.sensorgw.vision");

  private static final Set<String> CONSUMERS =
      Set.of(
          "io.sensorgw.http",
          "io.sensorgw.http.websocket",
          "io.sensorgw.mqtt",
          "io.sensorgw.store",
          "io.sensorgw.alarms",
          "io.sensorgw.dashboard",
          "io.sensorgw.console",
          "io.sensorgw.security",
          "io.sensorgw.backpressure",
          "io.sensorgw.shell");

  private static final Set<String> DRIVERS =
      Set.of(
          "io.sensorgw.device.tfluna",
          "io.sensorgw.device.mpu6050",
          "io.sensorgw.device.imx477",
          "io.sensorgw.device.hcsr04");

  @Test
  void everyShippedBundleImportsOnlyWhatItsRoleMay() throws IOException {
    Map<String, Manifest> bundles = shippedBundles();
    List<String> forbidden = new ArrayList<>();
    for (Map.Entry<String, Manifest> bundle : bundles.entrySet()) {
      String name = bundle.getKey();
      Attributes headers = bundle.getValue().getMainAttributes();
      Set<String> own = packages(headers.getValue("Export-Package"));
      if (headers.getValue("Require-Bundle") != null) {
        forbidden.add(name + " uses Require-Bundle: import packages, so that this check sees them");
      }
      for (String imported : packages(headers.getValue("Import-Package"))) {
        if (!imported.startsWith("io.sensorgw.") || own.contains(imported)) continue;
        String rule = rule(name, imported);
        if (rule != null) forbidden.add(name + " imports " + imported + ": " + rule);
      }
    }
    assertTrue(
        forbidden.isEmpty(), () -> "forbidden imports:\n  " + String.join("\n  ", forbidden));

    // Not vacuous: every bundle with a role was found, and every bundle of ours has one.
    Set<String> expected = new TreeSet<>(CONSUMERS);
    expected.addAll(DRIVERS);
    expected.addAll(DRIVER_LIBRARIES);
    expected.addAll(Set.of(API, DRIVER_TOOLKIT));
    assertEquals(
        expected, bundles.keySet(), "the io.sensorgw bundles shipped (give a new one a role here)");
  }

  /** Why {@code bundle} may not import {@code pkg}, or null when it may. */
  private static String rule(String bundle, String pkg) {
    boolean api = pkg.equals(API) || pkg.startsWith(API + ".");
    boolean shared = SHARED.contains(pkg);
    if (bundle.equals(API)) return "the api imports nothing of ours";
    if (bundle.equals(DRIVER_TOOLKIT)) return api ? null : "core imports only the api";
    if (CONSUMERS.contains(bundle)) {
      return api || shared
          ? null
          : "a consumer imports only the api and the shared packages "
              + new TreeSet<>(SHARED)
              + (pkg.equals(DRIVER_TOOLKIT)
                  ? ", never the driver toolkit"
                  : pkg.startsWith("io.sensorgw.device.") ? ", never a driver" : "");
    }
    if (DRIVER_LIBRARIES.contains(bundle)) {
      return api || shared ? null : "a driver library imports only the api and the shared packages";
    }
    if (DRIVERS.contains(bundle)) {
      return api || shared || pkg.equals(DRIVER_TOOLKIT) || DRIVER_LIBRARIES.contains(pkg)
          ? null
          : "a driver imports the api, the shared packages, the driver toolkit and driver"
              + " libraries, never a consumer nor another driver";
    }
    return null; // a bundle without a role: the assertion on the set of bundles names it
  }

  /** Bundle-SymbolicName to manifest, for every io.sensorgw bundle the runtime ships. */
  private static Map<String, Manifest> shippedBundles() throws IOException {
    Path target = Path.of(System.getProperty("sensorgw.repo", "..")).resolve("runtime/target");
    Map<String, Manifest> bundles = new TreeMap<>();
    try (JarFile runtime = new JarFile(target.resolve("sensorgw.jar").toFile())) {
      var embedded = runtime.stream().filter(e -> e.getName().startsWith("jar/io.sensorgw."));
      for (var entry : embedded.toList()) {
        try (InputStream in = runtime.getInputStream(entry);
            JarInputStream jar = new JarInputStream(in)) {
          add(bundles, jar.getManifest());
        }
      }
    }
    try (Stream<Path> deployed = Files.list(target.resolve("deploy"))) {
      var ours = deployed.filter(f -> f.getFileName().toString().startsWith("io.sensorgw."));
      for (Path file : ours.toList()) {
        try (JarFile jar = new JarFile(file.toFile())) {
          add(bundles, jar.getManifest());
        }
      }
    }
    return bundles;
  }

  private static void add(Map<String, Manifest> bundles, Manifest manifest) {
    String name = manifest.getMainAttributes().getValue("Bundle-SymbolicName").split(";")[0].trim();
    bundles.put(name, manifest);
  }

  /**
   * The package names of an Import-Package or Export-Package header: clauses split on commas
   * outside quotes, each clause's names before its first attribute or directive.
   */
  static Set<String> packages(String header) {
    Set<String> names = new TreeSet<>();
    if (header == null) return names;
    for (String clause : splitOutsideQuotes(header, ',')) {
      for (String part : splitOutsideQuotes(clause, ';')) {
        if (part.contains("=")) break; // version=..., resolution:=... and the like
        names.add(part.trim());
      }
    }
    return names;
  }

  private static List<String> splitOutsideQuotes(String text, char separator) {
    List<String> parts = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    boolean quoted = false;
    for (char c : text.toCharArray()) {
      if (c == '"') quoted = !quoted;
      if (c == separator && !quoted) {
        parts.add(part.toString());
        part.setLength(0);
      } else {
        part.append(c);
      }
    }
    parts.add(part.toString());
    return parts;
  }
}
