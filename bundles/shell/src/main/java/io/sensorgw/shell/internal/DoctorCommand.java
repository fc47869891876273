package io.sensorgw.shell.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * {@code sensor:doctor}: the checks of {@code sensorgw doctor} (what the configured devices need:
 * I2C, the serial port, the camera, BlueZ, the user's groups, Java, disk, clock), run for this
 * gateway's configuration folder and its user. One implementation, the doctor script, whose path
 * the start script gives as the framework property {@code sensorgw.doctor}.
 */
@Component(
    service = DoctorCommand.class,
    property = {"osgi.command.scope=sensor", "osgi.command.function=doctor"})
public class DoctorCommand {
  /**
   * The script asks a camera and BlueZ with their own timeouts (20 s, 10 s); this bounds the rest.
   */
  private static final long WAIT_SECONDS = 120;

  private final String script;
  private final String configDir;

  @Activate
  public DoctorCommand(BundleContext context) {
    this.script = context.getProperty("sensorgw.doctor");
    String dir = context.getProperty("sensorgw.config.dir");
    this.configDir = dir == null ? "config" : dir;
  }

  public String doctor() throws IOException, InterruptedException {
    if (script == null || !new File(script).canExecute()) {
      return "sensor:doctor: no doctor script (framework property sensorgw.doctor is "
          + (script == null ? "unset" : script + ", not executable")
          + ")";
    }
    File config = new File(configDir).getAbsoluteFile();
    File data = new File(config.getParentFile(), "data");
    Process process =
        new ProcessBuilder(
                List.of(
                    script,
                    "--config",
                    config.getPath(),
                    "--data",
                    data.getPath(),
                    "--user",
                    System.getProperty("user.name")))
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    // Read beside the wait, so that a full pipe never stalls the script.
    CompletableFuture<String> output =
        CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
    if (!process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      return output.getNow("") + "sensor:doctor: stopped after " + WAIT_SECONDS + " s\n";
    }
    String text = output.join();
    return text
        + (process.exitValue() == 0
            ? "doctor: nothing configured is missing\n"
            : "doctor: something configured cannot work (FAIL lines above)\n");
  }

  private static String readAll(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(output not read: " + e + ")\n";
    }
  }
}
