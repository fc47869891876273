package io.sensorgw.core.internal;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.felix.utils.properties.TypedProperties;

/**
 * A configuration file's text made to hold given values, the way FileInstall writes one back
 * (Felix's {@link TypedProperties}: comments, order and layout kept; a removed key's line gone; a
 * typed value written typed), but only when the values differ from what the file says.
 */
final class ConfigurationFileText {
  /** Keys FileInstall and the framework set, never written to a file. */
  private static final Set<String> NOT_WRITTEN =
      Set.of(
          "service.pid",
          "service.factoryPid",
          "service.bundleLocation",
          ConfigurationFileWriter.FILENAME);

  private ConfigurationFileText() {}

  /**
   * The text with {@code values} in it, or {@code null} when the text says the same already. A
   * value that contains {@code ${} in the file counts as the same (FileInstall substituted it when
   * it read the file, so the configuration cannot hold what the file says): it stays as written.
   */
  static String withValues(String text, Map<String, Object> values) throws IOException {
    TypedProperties file = new TypedProperties(false); // as written: no ${...} substituted
    file.load(new StringReader(text));
    if (same(file, values)) return null;
    for (String key : new ArrayList<>(file.keySet())) {
      if (!values.containsKey(key) && !NOT_WRITTEN.contains(key)) file.remove(key);
    }
    for (Map.Entry<String, Object> value : values.entrySet()) {
      if (!NOT_WRITTEN.contains(value.getKey())
          && !same(file.get(value.getKey()), value.getValue())) {
        file.put(value.getKey(), value.getValue());
      }
    }
    StringWriter out = new StringWriter();
    file.save(out);
    return out.toString();
  }

  private static boolean same(TypedProperties file, Map<String, Object> values) {
    Set<String> fileKeys = new HashSet<>(file.keySet());
    fileKeys.removeAll(NOT_WRITTEN);
    Set<String> keys = new HashSet<>(values.keySet());
    keys.removeAll(NOT_WRITTEN);
    if (!fileKeys.equals(keys)) return false;
    for (String key : keys) {
      if (!same(file.get(key), values.get(key))) return false;
    }
    return true;
  }

  /**
   * The same value as far as a component can tell: by their text, element by element for arrays and
   * collections (a {@code .cfg} file says {@code 5} where the console may hold a Long 5).
   */
  private static boolean same(Object inFile, Object value) {
    if (inFile instanceof String raw && raw.contains("${")) return true;
    return texts(inFile).equals(texts(value));
  }

  private static List<String> texts(Object value) {
    List<String> texts = new ArrayList<>();
    if (value == null) {
      texts.add(null);
    } else if (value.getClass().isArray()) {
      texts.add("[");
      for (int i = 0; i < Array.getLength(value); i++)
        texts.add(String.valueOf(Array.get(value, i)));
    } else if (value instanceof Collection<?> collection) {
      texts.add("[");
      for (Object element : collection) texts.add(String.valueOf(element));
    } else {
      texts.add(String.valueOf(value));
    }
    return texts;
  }
}
