package io.sensorgw.core.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.fileinstall.shaded.util.properties.TypedProperties;
import org.junit.jupiter.api.Test;

/** What TypedConfigFormat writes, read back by FileInstall's own reader of .config files. */
class TypedConfigFormatTest {
  /** Like FileInstall's: every ${name} it sees is replaced, so a value only survives escaped. */
  private static TypedProperties read(String text) throws Exception {
    TypedProperties read = new TypedProperties((name, key, value) -> "SUBSTITUTED");
    read.load(new StringReader(text));
    return read;
  }

  private static Map<String, Object> sample() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("sensor.id", "tfluna-console");
    values.put(".password", "p\u00e4\"ss${word}\\end");
    values.put("output.rate.hz", 100);
    values.put("read.timeout.ms", 1500L);
    values.put("ratio", 0.25d);
    values.put("enabled", Boolean.TRUE);
    values.put("accel.offset.g", new double[] {0.01, -0.02, 0.98});
    values.put("include", new String[] {"/api/*", "/*/sensor"});
    values.put("empty", "");
    return values;
  }

  private static void assertSameValues(Map<String, Object> expected, Map<String, Object> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    for (Map.Entry<String, Object> e : expected.entrySet()) {
      Object value = actual.get(e.getKey());
      if (e.getValue() instanceof double[] doubles) {
        assertArrayEquals(
            new Double[] {doubles[0], doubles[1], doubles[2]}, (Object[]) value, e.getKey());
      } else if (e.getValue() instanceof Object[] objects) {
        assertArrayEquals(objects, (Object[]) value, e.getKey());
      } else {
        assertEquals(e.getValue(), value, e.getKey());
        assertEquals(e.getValue().getClass(), value.getClass(), e.getKey() + " keeps its type");
      }
    }
  }

  @Test
  void fileInstallReadsBackEveryValueWithItsType() throws Exception {
    Map<String, Object> values = sample();
    String text = TypedConfigFormat.format("a comment", values);
    assertSameValues(values, read(text));
  }

  @Test
  void theFileIsAsciiWithEveryValueQuoted() {
    String text = TypedConfigFormat.format(null, sample());
    for (char c : text.toCharArray())
      assertEquals(true, c == '\n' || (c >= 0x20 && c <= 0x7e), "only ASCII: " + text);
    for (String line : text.split("\n")) {
      String value = line.substring(line.indexOf('=') + 1);
      assertEquals(true, value.matches("[A-Z]?[\\[(]?\".*"), "typed or quoted: " + line);
    }
  }

  @Test
  void aCollectionIsWrittenAsAnArray() throws Exception {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("list", List.of(1, 2));
    values.put("other", "x");
    TypedProperties read = read(TypedConfigFormat.format(null, values));
    assertArrayEquals(new Integer[] {1, 2}, (Object[]) read.get("list"));
    assertEquals("x", read.get("other"));
  }

  @Test
  void aKeyFileInstallWouldMisreadIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> TypedConfigFormat.format(null, Map.of("odd=key", "x")));
  }
}
