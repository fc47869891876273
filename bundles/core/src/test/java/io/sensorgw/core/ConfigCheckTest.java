package io.sensorgw.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ConfigCheckTest {
  /**
   * What a typed configuration does for a value it cannot convert (Felix SCR: ComponentException).
   */
  private static RuntimeException unconvertible() {
    throw new IllegalArgumentException("Could not coerce");
  }

  @Test
  void valuesInRangePassUnchanged() {
    ConfigCheck check = new ConfigCheck(Map.of());
    assertEquals(100, check.intIn("output.rate.hz", () -> 100, 1, 250));
    assertEquals(1, check.intIn("output.rate.hz", () -> 1, 1, 250));
    assertEquals(250, check.intIn("output.rate.hz", () -> 250, 1, 250));
    assertEquals(0L, check.longIn("sampling.interval.ms", () -> 0L, 0, 3_600_000));
    assertEquals(-0.5, check.numberIn("temperature.c", () -> -0.5, -40, 85));
    assertArrayEquals(
        new double[] {0.1, -0.2, 1},
        check.numbersIn("accel.offset.g", () -> new double[] {0.1, -0.2, 1}, 3, -16, 16));
    assertArrayEquals(
        new double[3], check.numbersIn("gyro.offset.dps", () -> new double[0], 3, -2000, 2000));
    assertEquals("mm", check.oneOf("output.format", () -> "mm", "cm", "mm"));
    assertEquals(8, check.oneOf("accel.range.g", () -> 8, 2, 4, 8, 16));
    assertEquals("/dev/ttyUSB0", check.text("port", () -> " /dev/ttyUSB0 ", true));
    assertEquals("tfluna-1.front_2", check.sensorId(() -> "tfluna-1.front_2"));
    assertEquals(Duration.ofMillis(100), check.maxAge(() -> 100));
    assertEquals(Duration.ofMillis(1000), check.readTimeout(() -> 1000));
    assertEquals(Duration.ZERO, check.publishInterval(() -> 0));
    assertTrue(check.ok(), check.reason());
    assertEquals("", check.reason());
  }

  @Test
  void eachBadValueIsOneClearLineAndGivesAUsableValue() {
    ConfigCheck check = new ConfigCheck(Map.of());
    assertEquals(4, check.intIn("sample.rate.hz", () -> 0, 4, 1000));
    assertEquals(250, check.intIn("output.rate.hz", () -> 1_000_000_000, 1, 250));
    assertEquals(Duration.ofMillis(1), check.readTimeout(() -> -1));
    assertEquals(Duration.ZERO, check.maxAge(() -> -5));
    assertEquals(Duration.ZERO, check.publishInterval(() -> -1));
    assertEquals(-40.0, check.numberIn("temperature.c", () -> Double.NaN, -40, 85));
    assertEquals(85.0, check.numberIn("temperature.c", () -> Double.POSITIVE_INFINITY, -40, 85));
    assertArrayEquals(
        new double[3],
        check.numbersIn("accel.offset.g", () -> new double[] {0, Double.NaN, 0}, 3, -16, 16));
    assertArrayEquals(
        new double[3],
        check.numbersIn("gyro.offset.dps", () -> new double[] {1, 2}, 3, -2000, 2000));
    assertEquals("cm", check.oneOf("output.format", () -> "inch", "cm", "mm"));
    assertEquals(2, check.oneOf("accel.range.g", () -> 3, 2, 4, 8, 16));
    assertEquals("", check.text("port", () -> "  ", true));
    assertFalse(check.ok());
    assertEquals(
        List.of(
            "sample.rate.hz must be 4..1000, was 0",
            "output.rate.hz must be 1..250, was 1000000000",
            "read.timeout.ms must be 1..300000, was -1",
            "max.age.ms must be 0..3600000, was -5",
            "publish.interval.ms must be 0..86400000, was -1",
            "temperature.c must be a finite number in -40..85, was NaN",
            "temperature.c must be a finite number in -40..85, was Infinity",
            "accel.offset.g must be 3 finite numbers in -16..16, was 0,NaN,0",
            "gyro.offset.dps must be 3 finite numbers in -2000..2000, was 1,2",
            "output.format must be cm or mm, was \"inch\"",
            "accel.range.g must be 2, 4, 8 or 16, was 3",
            "port must not be empty"),
        check.problems());
    assertEquals(String.join("; ", check.problems()), check.reason());
    assertFalse(check.reason().contains("\n"));
  }

  @Test
  void anUnconvertibleValueIsShownAsConfigured() {
    ConfigCheck check = new ConfigCheck(Map.of("output.rate.hz", "1e9", "accel.offset.g", "NaN"));
    assertEquals(1, check.intIn("output.rate.hz", ConfigCheckTest::unconvertibleInt, 1, 250));
    assertArrayEquals(
        new double[3],
        check.numbersIn(
            "accel.offset.g",
            () -> {
              throw unconvertible();
            },
            3,
            -16,
            16));
    assertEquals(
        10L,
        check.longIn(
            "expected.interval.ms",
            () -> {
              throw unconvertible();
            },
            10,
            60_000));
    assertEquals(
        List.of(
            "output.rate.hz must be a whole number in 1..250, was 1e9",
            "accel.offset.g must be 3 finite numbers in -16..16, was NaN",
            "expected.interval.ms must be a whole number in 10..60000, was not a number"),
        check.problems());
  }

  private static int unconvertibleInt() {
    throw unconvertible();
  }

  @Test
  void sensorIdsFollowTheRuleAndABadOneGetsAPlaceholder() {
    ConfigCheck check = new ConfigCheck(Map.of());
    assertEquals("invalid-front_door", check.sensorId(() -> "front door"));
    assertEquals("invalid-id", check.sensorId(() -> ""));
    assertEquals("invalid-..", check.sensorId(() -> ".."));
    assertEquals("invalid-a_b", check.sensorId(() -> "a/b"));
    String tooLong = "x".repeat(65);
    String placeholder = check.sensorId(() -> tooLong);
    assertEquals(64, placeholder.length());
    assertTrue(placeholder.startsWith("invalid-xxx"), placeholder);
    assertEquals("invalid-id", check.sensorId(() -> null));
    assertEquals("invalid-caf_", check.sensorId(() -> "café"));
    assertEquals(
        "sensor.id must be 1..64 characters of A-Z a-z 0-9 . _ -, was \"front door\"",
        check.problems().get(0));
    assertEquals(
        "sensor.id must be 1..64 characters of A-Z a-z 0-9 . _ -, was \"\"",
        check.problems().get(1));
    assertEquals(7, check.problems().size());
    assertEquals("x".repeat(64), new ConfigCheck(Map.of()).sensorId(() -> "x".repeat(64)));
  }

  @Test
  void textIsBoundedAndShownOnOneLine() {
    ConfigCheck check = new ConfigCheck(Map.of());
    assertEquals("", check.text("port", () -> "p".repeat(ConfigCheck.MAX_TEXT_LENGTH + 1), true));
    assertEquals("", check.text("device.name", () -> null, false));
    assertEquals(
        "",
        check.matching(
            "device.address",
            () -> "24:0A:C4:12:34",
            Pattern.compile("([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}"),
            "a Bluetooth address such as 24:0A:C4:12:34:56",
            false));
    assertEquals(
        "",
        check.matching(
            "device.address",
            () -> "",
            Pattern.compile("([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}"),
            "a Bluetooth address",
            false));
    check.sensorId(() -> "line\nbreak" + "y".repeat(200));
    assertEquals("port must be at most 1024 characters, was 1025", check.problems().get(0));
    assertEquals(
        "device.address must be a Bluetooth address such as 24:0A:C4:12:34:56, was \"24:0A:C4:12:34\"",
        check.problems().get(1));
    String idProblem = check.problems().get(2);
    assertTrue(idProblem.contains("\"line\\u000abreakyyy"), idProblem);
    assertTrue(idProblem.length() < 200, idProblem);
    assertFalse(check.reason().contains("\n"));
  }

  @Test
  void crossSettingRulesAreProblemsToo() {
    ConfigCheck check = new ConfigCheck(Map.of());
    check.require(true, "never shown");
    check.require(false, "give device.address or device.name");
    assertEquals(List.of("give device.address or device.name"), check.problems());
  }

  /** A choice whose texts are not Java names, as a payload format's are. */
  enum Format implements ConfigCheck.Choice {
    UINT16LE_MM("uint16le-mm"),
    ASCII_CM("ascii-cm");

    private final String configValue;

    Format(String configValue) {
      this.configValue = configValue;
    }

    @Override
    public String configValue() {
      return configValue;
    }
  }

  @Test
  void anEnumChoiceIsSelectedByItsTextExactly() {
    ConfigCheck check = new ConfigCheck(Map.of());
    assertEquals(Format.ASCII_CM, check.oneOf("payload.format", () -> "ascii-cm", Format.class));
    assertEquals(
        Format.UINT16LE_MM, check.oneOf("payload.format", () -> "uint16le-mm", Format.class));
    assertTrue(check.ok(), check.reason());
  }

  @Test
  void anUnknownEnumChoiceNamesTheSettingTheValueAndEveryAllowedValue() {
    ConfigCheck check = new ConfigCheck(Map.of("payload.format", 7));
    assertEquals(Format.UINT16LE_MM, check.oneOf("payload.format", () -> "ASCII-CM", Format.class));
    assertEquals(Format.UINT16LE_MM, check.oneOf("payload.format", () -> "", Format.class));
    assertEquals(Format.UINT16LE_MM, check.oneOf("payload.format", () -> null, Format.class));
    assertEquals(
        List.of(
            "payload.format must be uint16le-mm or ascii-cm, was \"ASCII-CM\"",
            "payload.format must be uint16le-mm or ascii-cm, was \"\"",
            "payload.format must be uint16le-mm or ascii-cm, was nothing"),
        check.problems());
  }
}
