package io.sensorgw.device.hcsr04.internal;

import io.sensorgw.core.ConfigCheck;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * What a BLE bridge sends, decoded to centimetres. Malformed payloads (wrong length, not a number)
 * are reported as {@link Malformed}, never thrown out of a D-Bus callback.
 */
final class Payload {
  /** The HC-SR04's range (DEVICES.md). */
  static final double MIN_CM = 2;

  static final double MAX_CM = 400;

  /** A payload that cannot be a distance. */
  static final class Malformed extends Exception {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  private final PayloadFormat format;
  private final double temperatureC;

  Payload(PayloadFormat format, double temperatureC) {
    this.format = format;
    this.temperatureC = temperatureC;
  }

  /**
   * @param format a {@code payload.format} text
   * @throws IllegalArgumentException for an unknown format, naming the allowed ones
   */
  Payload(String format, double temperatureC) {
    this(ConfigCheck.Choice.parse("payload.format", format, PayloadFormat.class), temperatureC);
  }

  /** The distance in centimetres (not yet range-checked). */
  double centimetres(byte[] value) throws Malformed {
    ByteBuffer le = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
    return switch (format) {
      case UINT16LE_MM -> {
        expectLength(value, 2);
        yield (le.getShort() & 0xFFFF) / 10.0;
      }
      case FLOAT32LE_CM -> {
        expectLength(value, 4);
        float cm = le.getFloat();
        if (!Float.isFinite(cm)) throw new Malformed("not a finite number");
        yield cm;
      }
      case UINT32LE_ECHO_US -> {
        expectLength(value, 4);
        yield (le.getInt() & 0xFFFFFFFFL) * speedOfSound(temperatureC) / 20_000.0; // there and back
      }
      case ASCII_CM -> {
        String text = new String(value, StandardCharsets.US_ASCII).trim();
        try {
          double cm = Double.parseDouble(text);
          if (!Double.isFinite(cm)) throw new NumberFormatException();
          yield cm;
        } catch (NumberFormatException e) {
          throw new Malformed(
              "not a number: '"
                  + (text.length() > 20 ? text.substring(0, 20) + "..." : text)
                  + "'");
        }
      }
    };
  }

  /** Metres per second in air at {@code celsius}. */
  static double speedOfSound(double celsius) {
    return 331.3 + 0.606 * celsius;
  }

  static boolean inRange(double cm) {
    return cm >= MIN_CM && cm <= MAX_CM;
  }

  private static void expectLength(byte[] value, int length) throws Malformed {
    if (value.length != length)
      throw new Malformed("expected " + length + " bytes, got " + value.length);
  }
}
