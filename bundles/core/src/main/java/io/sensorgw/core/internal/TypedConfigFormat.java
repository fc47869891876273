package io.sensorgw.core.internal;

import java.lang.reflect.Array;
import java.util.Map;

/**
 * Writes configuration properties in the typed format FileInstall reads from a {@code .config}
 * file ({@code key=I"100"}, {@code key=D["0.1","0.2"]}, {@code key="text"}), so that a file
 * written from a configuration gives back the same values and types when it is read again.
 * Every value is quoted (one unquoted line would make FileInstall read the whole file as plain
 * properties); characters outside printable ASCII become {@code \\uXXXX} (FileInstall reads
 * ISO-8859-1 by default) and {@code ${} becomes {@code $\\{} (FileInstall substitutes variables).
 */
final class TypedConfigFormat {
  private TypedConfigFormat() {}

  /** The file's text: a comment line, then one line per property in the map's order. */
  static String format(String comment, Map<String, Object> properties) {
    StringBuilder text = new StringBuilder();
    if (comment != null) text.append("# ").append(comment.replace('\n', ' ')).append('\n');
    for (Map.Entry<String, Object> property : properties.entrySet()) {
      text.append(key(property.getKey()))
          .append('=')
          .append(value(property.getValue()))
          .append('\n');
    }
    return text.toString();
  }

  private static String key(String key) {
    // FileInstall reads the whole file as plain properties (quotes and all) when a key has an
    // escape in it: such a key cannot be written in this format.
    if (!key.matches("[A-Za-z0-9._~-]+")) {
      throw new IllegalArgumentException(
          "a configuration key FileInstall cannot read back: " + key);
    }
    return key;
  }

  private static String value(Object value) {
    if (value == null) throw new IllegalArgumentException("a configuration value cannot be null");
    if (value.getClass().isArray()) {
      StringBuilder out =
          new StringBuilder(typeCode(value.getClass().getComponentType())).append('[');
      for (int i = 0; i < Array.getLength(value); i++) {
        if (i > 0) out.append(',');
        out.append(quoted(String.valueOf(Array.get(value, i))));
      }
      return out.append(']').toString();
    }
    if (value instanceof java.util.Collection<?> values) {
      // FileInstall reads no typed collections ("L(...)"): an array of the same values instead.
      Class<?> type = values.isEmpty() ? String.class : values.iterator().next().getClass();
      Object array = Array.newInstance(type, values.size());
      int i = 0;
      for (Object element : values) Array.set(array, i++, element);
      return value(array);
    }
    return typeCode(value.getClass()) + quoted(String.valueOf(value));
  }

  /** The format's type letter ({@code ""} for a String); primitives and their boxes alike. */
  private static String typeCode(Class<?> type) {
    if (type == String.class) return "";
    if (type == Integer.class || type == int.class) return "I";
    if (type == Long.class || type == long.class) return "L";
    if (type == Double.class || type == double.class) return "D";
    if (type == Float.class || type == float.class) return "F";
    if (type == Boolean.class || type == boolean.class) return "B";
    if (type == Short.class || type == short.class) return "S";
    if (type == Byte.class || type == byte.class) return "X";
    if (type == Character.class || type == char.class) return "C";
    throw new IllegalArgumentException(
        "no file format for a configuration value of type " + type.getName());
  }

  private static String quoted(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        out.append("\\\"");
      } else if (c == '\\') {
        // read twice (as a properties line, then as a typed value): each level takes one
        out.append("\\\\\\\\");
      } else if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
        out.append("$\\{");
        i++;
      } else {
        appendChar(out, c);
      }
    }
    return out.append('"').toString();
  }

  private static void appendChar(StringBuilder out, char c) {
    if (c < 0x20 || c > 0x7e) out.append(String.format("\\u%04x", (int) c));
    else out.append(c);
  }
}
