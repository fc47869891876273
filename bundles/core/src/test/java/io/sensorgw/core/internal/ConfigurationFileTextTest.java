package io.sensorgw.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.felix.utils.properties.TypedProperties;
import org.junit.jupiter.api.Test;

/**
 * Writing a configuration back to its file: only a change is written, and the file keeps its
 * comments.
 */
class ConfigurationFileTextTest {
  private static final String FILE =
      """
      # A simulated TF-Luna: these comments stay.
      sensor.id=tfluna-1
      mode=simulated
      # frames a second
      output.rate.hz=100
      url=jdbc:h2:file:${sensorgw.home}/data
      """;

  private static Map<String, Object> values(Object... keysAndValues) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2)
      values.put((String) keysAndValues[i], keysAndValues[i + 1]);
    return values;
  }

  /** The file read back as FileInstall reads it, without substitution. */
  private static TypedProperties read(String text) throws Exception {
    TypedProperties properties = new TypedProperties(false);
    properties.load(new StringReader(text));
    return properties;
  }

  @Test
  void theSameValuesWriteNothingWhateverTheirTypeAndASubstitutedValueCountsAsTheSame()
      throws Exception {
    assertNull(
        ConfigurationFileText.withValues(
            FILE,
            values(
                "sensor.id",
                "tfluna-1",
                "mode",
                "simulated",
                "output.rate.hz",
                100L,
                "url",
                "jdbc:h2:file:/home/gw/data",
                "felix.fileinstall.filename",
                "file:/x.cfg",
                "service.pid",
                "io.sensorgw.device.tfluna~sim")),
        "the console's Long 100 is the file's 100");
  }

  @Test
  void aChangedValueIsWrittenAndTheCommentsStay() throws Exception {
    String text =
        ConfigurationFileText.withValues(
            FILE,
            values(
                "sensor.id",
                "tfluna-1",
                "mode",
                "simulated",
                "output.rate.hz",
                "250",
                "url",
                "jdbc:h2:file:/home/gw/data"));
    assertTrue(text.contains("# A simulated TF-Luna: these comments stay."), text);
    assertTrue(text.contains("# frames a second"), text);
    TypedProperties back = read(text);
    assertEquals("250", back.get("output.rate.hz"));
    assertEquals("tfluna-1", back.get("sensor.id"));
    assertEquals("jdbc:h2:file:${sensorgw.home}/data", back.get("url"), "left as written");
    assertNull(
        ConfigurationFileText.withValues(
            text,
            values(
                "sensor.id", "tfluna-1", "mode", "simulated", "output.rate.hz", "250", "url", "x")),
        "read back, it says the same: no second write");
  }

  @Test
  void aRemovedKeyLosesItsLineAndANewOneIsAdded() throws Exception {
    String text =
        ConfigurationFileText.withValues(
            FILE,
            values("sensor.id", "tfluna-1", "mode", "simulated", "url", "x", "max.age.ms", 50L));
    TypedProperties back = read(text);
    assertFalse(back.containsKey("output.rate.hz"), text);
    assertEquals(
        50L, ((Number) back.get("max.age.ms")).longValue(), "typed as the configuration holds it");
  }

  @Test
  void arraysCompareElementByElement() throws Exception {
    String typed = "offsets=D[\"0.1\",\"0.2\"]\n";
    assertNull(ConfigurationFileText.withValues(typed, values("offsets", new double[] {0.1, 0.2})));
    String changed =
        ConfigurationFileText.withValues(typed, values("offsets", new double[] {0.1, 0.3}));
    assertTrue(changed.contains("0.3"), changed);
  }
}
