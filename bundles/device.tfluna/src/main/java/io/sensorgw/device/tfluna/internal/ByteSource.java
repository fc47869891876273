package io.sensorgw.device.tfluna.internal;

import java.io.IOException;

/** Where the TF-Luna's bytes come from: a serial port, or the simulation. */
interface ByteSource extends AutoCloseable {
  /** Opens the line; throws when it is not there (unplugged, wrong path, busy). */
  void open() throws IOException;

  /**
   * Reads what has arrived into {@code buffer}, waiting a short while for it. Returns the count, 0
   * when nothing came in that while; throws when the line is gone.
   */
  int read(byte[] buffer) throws IOException;

  /** Sends a command to the sensor. */
  void write(byte[] command) throws IOException;

  /** For messages: the port path, or "simulation". */
  String describe();

  @Override
  void close();
}
