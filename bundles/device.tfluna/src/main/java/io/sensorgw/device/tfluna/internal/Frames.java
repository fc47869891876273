package io.sensorgw.device.tfluna.internal;

/** Encoding of TF-Luna frames and commands, as the datasheet gives them. */
final class Frames {
  private Frames() {}

  /** Distance is unreliable below this signal amplitude, and at the saturated 65535. */
  static final int MIN_RELIABLE_AMPLITUDE = 100;

  static final int SATURATED_AMPLITUDE = 65535;

  /** Output format 0x01: 9-byte frame, distance in cm; 0x06: distance in mm. */
  static final int FORMAT_CM = 0x01;

  static final int FORMAT_MM = 0x06;

  static boolean reliable(int amplitude) {
    return amplitude >= MIN_RELIABLE_AMPLITUDE && amplitude != SATURATED_AMPLITUDE;
  }

  /** °C from the raw chip temperature. */
  static double celsius(int temperatureRaw) {
    return temperatureRaw / 8.0 - 256;
  }

  /** Writes one 9-byte data frame into {@code out} at {@code offset}. */
  static void encodeFrame(int distance, int amplitude, int temperatureRaw, byte[] out, int offset) {
    out[offset] = 0x59;
    out[offset + 1] = 0x59;
    out[offset + 2] = (byte) distance;
    out[offset + 3] = (byte) (distance >>> 8);
    out[offset + 4] = (byte) amplitude;
    out[offset + 5] = (byte) (amplitude >>> 8);
    out[offset + 6] = (byte) temperatureRaw;
    out[offset + 7] = (byte) (temperatureRaw >>> 8);
    int sum = 0;
    for (int i = 0; i < 8; i++) sum += out[offset + i] & 0xFF;
    out[offset + 8] = (byte) sum;
  }

  /** Output frequency command (ID 0x03): {@code 5A 06 03 LL HH SUM}; 0 Hz is trigger mode. */
  static byte[] setFrequency(int hertz) {
    return command(0x03, hertz & 0xFF, (hertz >>> 8) & 0xFF);
  }

  /** Output format command (ID 0x05): {@code 5A 05 05 FMT SUM}. */
  static byte[] setFormat(int format) {
    return command(0x05, format);
  }

  /** {@code 5A LEN ID payload... SUM}, SUM the low byte of the sum of the bytes before it. */
  static byte[] command(int id, int... payload) {
    byte[] bytes = new byte[4 + payload.length];
    bytes[0] = 0x5A;
    bytes[1] = (byte) bytes.length;
    bytes[2] = (byte) id;
    for (int i = 0; i < payload.length; i++) bytes[3 + i] = (byte) payload[i];
    int sum = 0;
    for (int i = 0; i < bytes.length - 1; i++) sum += bytes[i] & 0xFF;
    bytes[bytes.length - 1] = (byte) sum;
    return bytes;
  }
}
