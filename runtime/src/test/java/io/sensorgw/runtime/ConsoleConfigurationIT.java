package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sensor made in the Web Console's Configuration tab (its own HTTP form) lasts: it is saved as a
 * file in config/, serves readings after a restart, and deleting it in the console deletes the
 * file.
 */
class ConsoleConfigurationIT {
  /** The PID the console's form posts to for a new factory configuration. */
  private static final String NEW_FACTORY_CONFIGURATION =
      "__Temporary PID replaced by real PID upon save__";

  private static final String FACTORY = "io.sensorgw.device.tfluna";

  @Test
  void aSensorCreatedInTheConsoleIsSavedAndServesAfterARestart(@TempDir Path home)
      throws Exception {
    Path saved = home.resolve("config/" + FACTORY + "-tfluna-console.config");
    try (RunningGateway gateway = new RunningGateway(home)) {
      String console = gateway.consoleAuth();
      gateway.await(
          () -> gateway.status("/system/console/configMgr", console) == 200,
          "the console's Configuration tab");

      // What the Configuration tab posts when "Save" is pressed on a new TF-Luna (config.js).
      Map<String, String> form = new LinkedHashMap<>();
      form.put("apply", "true");
      form.put("factoryPid", FACTORY);
      form.put("action", "ajaxConfigManager");
      form.put("$location", "");
      form.put("sensor.id", "tfluna-console");
      form.put("mode", "simulated");
      form.put("simulation.seed", "7");
      form.put("publish.interval.ms", "1000");
      // A character outside ASCII comes back as typed (files are read as ISO-8859-1). A "${" would
      // not: FileInstall writes files back without escaping it (README, Configuration).
      form.put("note", "made in the console, p\u00e4ss");
      form.put("propertylist", "sensor.id,mode,simulation.seed,publish.interval.ms,note");
      HttpResponse<String> created =
          post(
              gateway,
              "/system/console/configMgr/"
                  + URLEncoder.encode(NEW_FACTORY_CONFIGURATION, StandardCharsets.UTF_8)
                      .replace("+", "%20"),
              form,
              console);
      assertTrue(
          created.statusCode() == 200 || created.statusCode() == 302,
          created.statusCode() + " " + created.body());

      gateway.awaitResponse(
          "/api/sensors/tfluna-console/reading",
          r -> r.statusCode() == 200,
          "a reading of the sensor made in the console");
      gateway.await(() -> Files.isRegularFile(saved), "the configuration saved as " + saved);

      // The Configuration tab names each factory configuration by its metatype's name hint
      // (webconsole.configurationFactory.nameHint), filled in from the configuration's values:
      // the seeded ones from config/ and the one made here.
      String tab = gateway.get("/system/console/configMgr", console).body();
      for (String hint :
          new String[] {
            "TF-Luna tfluna-console (simulated)",
            "TF-Luna tfluna-1 (simulated)",
            "MPU-6050 mpu6050-1 (simulated)",
            "HC-SR04 hcsr04-1 (simulated)",
            "IMX477 imx477-1 (simulated)",
            "tfluna-close: tfluna-1 distance"
          }) {
        assertTrue(
            Pattern.compile("\"nameHint\"\\s*:\\s*\"" + Pattern.quote(hint) + "\"")
                .matcher(tab)
                .find(),
            "the console names a configuration " + hint + ":\n" + tab);
      }
      String text = Files.readString(saved, StandardCharsets.ISO_8859_1);
      // As written here, or as FileInstall writes it back (" = ", typed): either way, these values.
      assertTrue(text.matches("(?s).*sensor\\.id *= *\"tfluna-console\".*"), text);
      assertTrue(text.matches("(?s).*simulation\\.seed *= *L?\"7\".*"), text);
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(saved)),
          "only the gateway's user reads a saved configuration (it may hold a password)");

      // FileInstall reads the new file on its next scan: it must take it for the configuration it
      // came from, not make a second sensor of it. A file dropped after it is read in that scan or
      // a later one, so once the marker's sensor is up, the saved file has been read.
      Files.writeString(
          home.resolve("config/" + FACTORY + "-marker.cfg"),
          "sensor.id=tfluna-marker\nmode=simulated\n");
      gateway.awaitResponse(
          "/api/sensors/tfluna-marker", r -> r.statusCode() == 200, "the marker sensor");
      assertEquals(
          1,
          occurrences(gateway.get("/api/sensors", null).body(), "\"id\":\"tfluna-console\""),
          "one sensor tfluna-console, not a second one made from its file");
    }

    try (RunningGateway restarted = new RunningGateway(home)) {
      HttpResponse<String> reading =
          restarted.awaitResponse(
              "/api/sensors/tfluna-console/reading",
              r -> r.statusCode() == 200,
              "a reading of the console's sensor after the restart");
      assertTrue(reading.body().contains("tfluna-console"), reading.body());
      assertEquals(
          1, occurrences(restarted.get("/api/sensors", null).body(), "\"id\":\"tfluna-console\""));
      String console = restarted.consoleAuth();
      String configurations =
          restarted.get("/system/console/status-Configurations.txt", console).body();
      assertTrue(
          configurations.contains("note = made in the console, p\u00e4ss\n"), configurations);

      // Deleted in the console (its Delete button): the file goes too, or it would come back.
      HttpResponse<String> deleted =
          post(
              restarted,
              "/system/console/configMgr/" + FACTORY + "~tfluna-console",
              Map.of("apply", "1", "delete", "1"),
              console);
      assertTrue(deleted.statusCode() < 400, deleted.statusCode() + " " + deleted.body());
      restarted.await(() -> !Files.exists(saved), "the saved file deleted with its configuration");
      restarted.awaitResponse(
          "/api/sensors/tfluna-console", r -> r.statusCode() == 404, "the sensor gone");
    }
  }

  private static HttpResponse<String> post(
      RunningGateway gateway, String path, Map<String, String> form, String authorization)
      throws Exception {
    String body =
        form.entrySet().stream()
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    return gateway.send(
        HttpRequest.newBuilder(gateway.uri(path))
            .timeout(RunningGateway.DEADLINE)
            .header("Authorization", authorization)
            .header(
                "Origin",
                "http://127.0.0.1:" + gateway.port) // a browser sends it with every form POST
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static int occurrences(String text, String part) {
    int count = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) count++;
    return count;
  }
}
