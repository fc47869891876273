package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sensorgw doctor} (runtime/deb/doctor, in the package as /usr/bin/sensorgw doctor) on this
 * machine, which has none of the devices: each check's failure line for a device configured as
 * hardware, its exit status, and the Gogo command sensor:doctor in a running gateway.
 */
class DoctorIT {
  private static final Path REPO =
      Path.of(System.getProperty("sensorgw.repo", "..")).toAbsolutePath().normalize();
  private static final Path DOCTOR = REPO.resolve("runtime/deb/doctor");

  @TempDir Path temp;

  record Result(int exit, String output) {}

  private Result doctor(Path config, Map<String, String> environment, String... options)
      throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(DOCTOR.toString(), "--config", config.toString(), "--data", temp.toString()));
    command.addAll(List.of(options));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("SENSORGW_HOME");
    builder.environment().putAll(environment);
    Process process = Processes.start(builder);
    try {
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(process.waitFor(3, TimeUnit.MINUTES), "doctor finished");
      return new Result(process.exitValue(), output);
    } finally {
      Processes.stop(process);
    }
  }

  /**
   * The one line of the output that starts with {@code start}; fails when there is not exactly one.
   */
  private static String line(Result result, String start) {
    List<String> found = result.output().lines().filter(l -> l.startsWith(start)).toList();
    assertEquals(1, found.size(), "one line starting with '" + start + "' in:\n" + result.output());
    return found.get(0);
  }

  @Test
  void eachMissingDeviceIsAFailWithItsFix() throws Exception {
    Path config = Files.createDirectories(temp.resolve("config"));
    Files.writeString(
        config.resolve("io.sensorgw.device.tfluna-a.cfg"),
        "sensor.id=lidar-missing\nport=/dev/sensorgw-no-such-port\n");
    Files.writeString(
        config.resolve("io.sensorgw.device.mpu6050-a.config"),
        "sensor.id=\"imu\"\nmode=\"hardware\"\ni2c.bus=I\"42\"\n");
    Files.writeString(
        config.resolve("io.sensorgw.device.imx477-a.cfg"),
        "sensor.id=cam-absent-command\nbackend=still\nstill.command=sensorgw-no-such-command\n");
    // A camera stack that is installed but finds no camera: the test stand-in of rpicam-still,
    // made to answer as the real one does then.
    Path rpicam = Files.createDirectories(temp.resolve("rpicam"));
    Files.copy(
        REPO.resolve("runtime/test-tools/fake-rpicam/rpicam-still"),
        rpicam.resolve("rpicam-still"),
        StandardCopyOption.COPY_ATTRIBUTES);
    Files.writeString(rpicam.resolve("mode"), "crash");
    Files.writeString(
        config.resolve("io.sensorgw.device.imx477-b.cfg"),
        "sensor.id=cam-no-camera\nbackend=still\nstill.command="
            + rpicam.resolve("rpicam-still")
            + "\n");
    Files.writeString(
        config.resolve("io.sensorgw.device.hcsr04-a.cfg"),
        "sensor.id=sonar\nmode=ble\nadapter=hci-sensorgw-test\n");
    Files.writeString(
        config.resolve("io.sensorgw.device.tfluna-sim.cfg"),
        "sensor.id=lidar-sim\nmode=simulated\n");

    Result result =
        doctor(config, Map.of("SENSORGW_DOCTOR_MIN_FREE_MB", "999999999"), "--user", "nobody");
    assertEquals(1, result.exit(), "a configured device cannot work:\n" + result.output());
    assertTrue(
        line(result, "FAIL  lidar-missing:")
            .contains(
                "serial port /dev/sensorgw-no-such-port does not exist: enable the UART with 'sudo raspi-config nonint do_serial_hw 0'"));
    assertTrue(
        line(result, "FAIL  imu:")
            .contains(
                "/dev/i2c-42 is missing: enable I2C with 'sudo raspi-config nonint do_i2c 0'"));
    assertTrue(
        line(result, "FAIL  cam-absent-command:")
            .contains(
                "camera command sensorgw-no-such-command not found: 'sudo apt install rpicam-apps'"));
    assertTrue(
        line(result, "FAIL  cam-no-camera:")
            .contains("no camera detected by rpicam-still --list-cameras"));
    String sonar = line(result, "FAIL  sonar:");
    // No BlueZ here (or, on a machine with one, no adapter of that name): either way, its fix.
    assertTrue(
        sonar.contains(
                "BlueZ is not running: 'sudo apt install bluez && sudo systemctl enable --now bluetooth'")
            || sonar.contains("no Bluetooth adapter hci-sensorgw-test"),
        sonar);
    assertTrue(line(result, "ok    lidar-sim:").contains("simulated"));
    assertTrue(
        line(result, "FAIL  user nobody is not in group video")
            .contains("'sudo usermod -aG video nobody'"));
    assertTrue(line(result, "FAIL  only ").contains("(at least 999999999 MB wanted)"));
    assertTrue(line(result, "ok    java 17").length() > 0);
    assertTrue(
        result.output().lines().anyMatch(l -> l.contains("clock")),
        "a line about the clock:\n" + result.output());
  }

  @Test
  void theLoginConsoleOnTheLidarsPortIsAFail() throws Exception {
    // The kernel's console (console=ttyS0 on this machine) is the serial port of a TF-Luna.
    String console = null;
    for (String arg : Files.readString(Path.of("/proc/cmdline")).trim().split("\\s+")) {
      if (arg.startsWith("console=")) {
        String tty = arg.substring(8).replaceFirst(",.*", "");
        if (Files.exists(Path.of("/dev", tty)) && !tty.startsWith("tty0") && !tty.equals("tty"))
          console = tty;
      }
    }
    Path config = Files.createDirectories(temp.resolve("console-config"));
    if (console == null) {
      // No serial console on this machine: then a port that is not the console passes this check.
      Files.writeString(
          config.resolve("io.sensorgw.device.tfluna-a.cfg"), "sensor.id=lidar\nport=/dev/null\n");
      assertTrue(
          line(doctor(config, Map.of(), "--user", "root"), "ok    lidar:")
              .contains("no console on it"));
      return;
    }
    Files.writeString(
        config.resolve("io.sensorgw.device.tfluna-a.cfg"),
        "sensor.id=lidar\nport=/dev/" + console + "\n");
    Result result = doctor(config, Map.of(), "--user", "root");
    assertEquals(1, result.exit(), result.output());
    assertTrue(
        line(result, "FAIL  lidar:").contains("is the login console (console=" + console)
            && line(result, "FAIL  lidar:").contains("'sudo raspi-config nonint do_serial_cons 1'"),
        result.output());
  }

  @Test
  void aWrongJavaIsAFail() throws Exception {
    Path newer = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    Path config = Files.createDirectories(temp.resolve("java-config"));
    Path bin = Files.createDirectories(temp.resolve("bin"));
    if (Files.isExecutable(newer)) {
      // A Java the runtime cannot run on (24+) first on PATH, as after installing a newer JDK.
      Files.createSymbolicLink(bin.resolve("java"), newer);
      Result result =
          doctor(config, Map.of("PATH", bin + ":" + System.getenv("PATH")), "--user", "root");
      assertEquals(1, result.exit(), result.output());
      assertTrue(line(result, "FAIL  java 25").contains("sensorgw needs Java 17"), result.output());
    } else {
      Result result = doctor(config, Map.of(), "--user", "root");
      assertTrue(line(result, "ok    java 17").length() > 0);
    }
  }

  @Test
  void aConfigurationFolderItCannotReadIsAFail() throws Exception {
    // As a user other than root and sensorgw meets /etc/sensorgw (0750): not "nothing configured".
    Result result = doctor(temp.resolve("no-such-folder"), Map.of(), "--user", "root");
    assertEquals(1, result.exit(), result.output());
    assertTrue(
        line(result, "FAIL  cannot read the configuration folder")
            .contains("run 'sudo sensorgw doctor'"));
  }

  @Test
  void onlySimulatedDevicesNeedNothingAndTheGogoCommandSaysSo() throws Exception {
    try (RunningGateway gateway =
        new RunningGateway(Files.createDirectories(temp.resolve("home")), true)) {
      String printed = gateway.shell("sensor:doctor", "doctor: ");
      assertTrue(printed.contains("ok    tfluna-1: TF-Luna simulated"), printed);
      assertTrue(printed.contains("ok    mpu6050-1: MPU-6050 simulated"), printed);
      assertTrue(printed.contains("doctor: nothing configured is missing"), printed);
      assertFalse(printed.contains("FAIL"), printed);
    }
  }
}
