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
      line.add(argument.replace("{width}", Integer.toString(width)).replace("{height}", Integer.toString(height)));
    }
    return line;
  }

  /** ": <the last {@code max} characters of a process's stderr file>", or "" when it wrote none. */
  static String stderrTail(java.nio.file.Path err, int max) throws java.io.IOException {
    String text = java.nio.file.Files.readString(err).strip();
    if (text.isEmpty()) return "";
    return ": " + (text.length() > max ? "..." + text.substring(text.length() - max) : text);
  }

  /** Kills a process and everything it started (a shell's children would outlive it otherwise). */
  static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
