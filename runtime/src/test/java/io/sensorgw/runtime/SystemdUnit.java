package io.sensorgw.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A systemd unit file's [Service] section, read the way systemd reads what the tests need: the
 * command line of ExecStart, the user and group, Environment= (several per line, double quotes
 * around one with spaces) and EnvironmentFile= ('-' prefix: optional), UMask, NoNewPrivileges.
 * Where no systemd runs, the test starts the service from this, as systemd would, instead of
 * repeating the unit's settings.
 */
final class SystemdUnit {
  /** Every setting of [Service] in order of appearance (a key may repeat). */
  private final List<Map.Entry<String, String>> settings = new ArrayList<>();

  SystemdUnit(String text) {
    String section = "";
    String pending = "";
    for (String raw : text.split("\n")) {
      String line = pending + raw.strip();
      pending = "";
      if (line.endsWith("\\")) { // a continued line
        pending = line.substring(0, line.length() - 1) + " ";
        continue;
      }
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) continue;
      if (line.startsWith("[")) {
        section = line;
        continue;
      }
      int equals = line.indexOf('=');
      if (section.equals("[Service]") && equals > 0) {
        settings.add(
            Map.entry(line.substring(0, equals).strip(), line.substring(equals + 1).strip()));
      }
    }
  }

  static SystemdUnit read(Path file) throws IOException {
    return new SystemdUnit(Files.readString(file));
  }

  /** The last value of {@code key} (later settings override earlier ones), or {@code otherwise}. */
  String value(String key, String otherwise) {
    String found = otherwise;
    for (Map.Entry<String, String> setting : settings)
      if (setting.getKey().equals(key)) found = setting.getValue();
    return found;
  }

  /**
   * ExecStart split into words (double-quoted words kept whole); its '-', '@', '+' prefixes
   * dropped.
   */
  List<String> execStart() {
    String line = value("ExecStart", null);
    if (line == null) throw new IllegalStateException("the unit has no ExecStart");
    List<String> words = words(line);
    words.set(0, words.get(0).replaceFirst("^[-@:+!]+", ""));
    return words;
  }

  /**
   * The environment systemd gives the service: Environment= lines in order, then the files of
   * EnvironmentFile= (which override them), each file read as KEY=VALUE lines.
   */
  Map<String, String> environment() throws IOException {
    Map<String, String> environment = new LinkedHashMap<>();
    for (Map.Entry<String, String> setting : settings) {
      if (setting.getKey().equals("Environment")) {
        for (String assignment : words(setting.getValue())) put(environment, assignment);
      }
    }
    for (Map.Entry<String, String> setting : settings) {
      if (!setting.getKey().equals("EnvironmentFile")) continue;
      String name = setting.getValue();
      boolean optional = name.startsWith("-");
      Path file = Path.of(optional ? name.substring(1) : name);
      if (!Files.exists(file)) {
        if (optional) continue;
        throw new IOException("EnvironmentFile " + file + " is missing");
      }
      for (String line : Files.readAllLines(file)) {
        String assignment = line.strip();
        if (assignment.isEmpty() || assignment.startsWith("#") || assignment.startsWith(";"))
          continue;
        int equals = assignment.indexOf('=');
        String value = assignment.substring(equals + 1).strip();
        if (value.length() >= 2
            && (value.startsWith("\"") && value.endsWith("\"")
                || value.startsWith("'") && value.endsWith("'"))) {
          value = value.substring(1, value.length() - 1);
        }
        environment.put(assignment.substring(0, equals).strip(), value);
      }
    }
    return environment;
  }

  private static void put(Map<String, String> environment, String assignment) {
    int equals = assignment.indexOf('=');
    if (equals > 0)
      environment.put(assignment.substring(0, equals), assignment.substring(equals + 1));
  }

  /** Words separated by blanks; a double-quoted stretch is one word without its quotes. */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
        any = true;
      } else if (c == '\\' && i + 1 < line.length()) {
        word.append(line.charAt(++i));
        any = true;
      } else if (Character.isWhitespace(c) && !quoted) {
        if (any) words.add(word.toString());
        word.setLength(0);
        any = false;
      } else {
        word.append(c);
        any = true;
      }
    }
    if (any) words.add(word.toString());
    return words;
  }
}
