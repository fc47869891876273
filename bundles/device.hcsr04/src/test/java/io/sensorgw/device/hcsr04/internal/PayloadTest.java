package io.sensorgw.device.hcsr04.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PayloadTest {
  private static byte[] le(int bytes, long value) {
    ByteBuffer buffer = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes == 2) buffer.putShort((short) value);
    else buffer.putInt((int) value);
    return buffer.array();
  }

  @Test
  void eachFormatDecodesToCentimetres() throws Exception {
    assertEquals(123.4, new Payload("uint16le-mm", 20).centimetres(le(2, 1234)), 1e-9);
    assertEquals(
        6553.5, new Payload("uint16le-mm", 20).centimetres(le(2, 65535)), 1e-9, "unsigned");
    assertEquals(
        57.25,
        new Payload("ascii-cm", 20).centimetres(" 57.25\r\n".getBytes(StandardCharsets.US_ASCII)),
        1e-9);
    byte[] f = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(88.5f).array();
    assertEquals(88.5, new Payload("float32le-cm", 20).centimetres(f), 1e-6);
  }

  @Test
  void echoTimeUsesTheSpeedOfSoundAtTheConfiguredTemperature() throws Exception {
    // 5830 µs at 20 °C: 343.42 m/s, there and back: 100.1 cm; at 0 °C: 96.6 cm
    assertEquals(
        5830 * 343.42 / 20_000, new Payload("uint32le-echo-us", 20).centimetres(le(4, 5830)), 1e-6);
    assertEquals(
        5830 * 331.3 / 20_000, new Payload("uint32le-echo-us", 0).centimetres(le(4, 5830)), 1e-6);
    assertEquals(343.42, Payload.speedOfSound(20), 1e-9);
  }

  @Test
  void theRangeIsTwoToFourHundredCentimetres() {
    assertTrue(Payload.inRange(2));
    assertTrue(Payload.inRange(400));
    assertFalse(Payload.inRange(1.9));
    assertFalse(Payload.inRange(400.1));
    assertFalse(
        Payload.inRange(SimulatedTarget.LOST_ECHO_US * Payload.speedOfSound(20) / 20_000),
        "a lost echo");
  }

  @Test
  void malformedPayloadsAreReportedNotThrownAsAnythingElse() {
    assertThrows(
        Payload.Malformed.class, () -> new Payload("uint16le-mm", 20).centimetres(new byte[3]));
    assertThrows(
        Payload.Malformed.class, () -> new Payload("uint16le-mm", 20).centimetres(new byte[0]));
    assertThrows(
        Payload.Malformed.class, () -> new Payload("float32le-cm", 20).centimetres(new byte[2]));
    byte[] nan = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN).array();
    assertThrows(Payload.Malformed.class, () -> new Payload("float32le-cm", 20).centimetres(nan));
    assertThrows(
        Payload.Malformed.class,
        () -> new Payload("uint32le-echo-us", 20).centimetres(new byte[5]));
    assertThrows(
        Payload.Malformed.class,
        () ->
            new Payload("ascii-cm", 20).centimetres("12,5cm".getBytes(StandardCharsets.US_ASCII)));
    assertThrows(
        Payload.Malformed.class,
        () -> new Payload("ascii-cm", 20).centimetres("NaN".getBytes(StandardCharsets.US_ASCII)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Payload("int8", 20),
        "an unknown format fails the configuration");
  }

  @Test
  void theSimulatedTargetIsDeterministicPlausibleAndLosesAnEchoNowAndThen() {
    List<Long> a = new ArrayList<>();
    List<Long> b = new ArrayList<>();
    SimulatedTarget one = new SimulatedTarget(5);
    SimulatedTarget two = new SimulatedTarget(5);
    for (int i = 0; i < 2000; i++) {
      a.add(one.nextEchoMicros(20));
      b.add(two.nextEchoMicros(20));
    }
    assertEquals(a, b, "same seed, same echoes");
    long lost = a.stream().filter(us -> us == SimulatedTarget.LOST_ECHO_US).count();
    assertTrue(lost > 10 && lost < 150, "about one in 40 lost: " + lost);
    double min =
        a.stream()
            .filter(us -> us != SimulatedTarget.LOST_ECHO_US)
            .mapToDouble(us -> us * 343.42 / 20_000)
            .min()
            .orElseThrow();
    double max =
        a.stream()
            .filter(us -> us != SimulatedTarget.LOST_ECHO_US)
            .mapToDouble(us -> us * 343.42 / 20_000)
            .max()
            .orElseThrow();
    assertTrue(
        min >= 19 && max <= 301 && max - min > 100,
        "moves between 20 and 300 cm: " + min + "-" + max);
  }
}
