package io.sensorgw.device.imx477.internal;

import java.util.ArrayList;
import java.util.List;

/** Command lines from configuration: whitespace-separated arguments with {width} and {height}. */
final class Commands {
  private Commands() {}

  static List<String> line(String command, String arguments, int width, int height) {
    List<String> line = new ArrayList<>();
    line.add(command.trim());
    for (String argument : arguments.trim().split("\\s+")) {
      if (argument.isEmpty()) continue;
      line.add(
          argument
              .replace("{width}", Integer.toString(width))
              .replace("{height}", Integer.toString(height)));
    }
    return line;
  }

  /** ": <the last {@code max} characters of a process's stderr file>", or "" when it wrote none. */
  static String stderrTail(java.nio.file.Path err, int max) throws java.io.IOException {
    String text = java.nio.file.Files.readString(err).strip();
    if (text.isEmpty()) return "";
    return ": " + (text.length() > max ? "..." + text.substring(text.length() - max) : text);
  }

  /**
   * Kills a process and everything it started (a shell's children would outlive it otherwise). It
   * is stopped first (SIGSTOP), then its children, so that none of them starts another between the
   * look at its children and the kill: a child started in that gap would be left behind, orphaned.
   */
  static void kill(Process process) {
    stop(process.toHandle());
    process.descendants().forEach(Commands::stop);
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /**
   * SIGSTOP through kill(1); without it (not Linux, no procps) the kill goes on without the stop.
   */
  private static void stop(ProcessHandle handle) {
    if (!handle.isAlive()) return;
    try {
      Process stop =
          new ProcessBuilder("kill", "-STOP", Long.toString(handle.pid()))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!stop.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) stop.destroyForcibly();
    } catch (java.io.IOException e) {
      // no kill(1) here: killed without stopping first
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
