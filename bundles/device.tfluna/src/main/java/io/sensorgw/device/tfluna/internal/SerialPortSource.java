package io.sensorgw.device.tfluna.internal;

import com.fazecast.jSerialComm.SerialPort;
import java.io.IOException;

/** A serial port through jSerialComm, 8N1, reads waiting at most {@link #READ_WAIT_MS}. */
final class SerialPortSource implements ByteSource {
  static final int READ_WAIT_MS = 200;

  private final String path;
  private final int baudRate;
  private volatile SerialPort port;

  SerialPortSource(String path, int baudRate) {
    this.path = path;
    this.baudRate = baudRate;
  }

  @Override
  public void open() throws IOException {
    SerialPort candidate;
    try {
      candidate = SerialPort.getCommPort(path);
    } catch (RuntimeException e) { // jSerialComm throws for a path that does not exist
      throw new IOException("serial port " + path + " not found: " + e.getMessage(), e);
    }
    candidate.setComPortParameters(baudRate, 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
    candidate.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
    candidate.setComPortTimeouts(
        SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING,
        READ_WAIT_MS,
        1000);
    if (!candidate.openPort()) {
      throw new IOException(
          "cannot open serial port "
              + path
              + " (error "
              + candidate.getLastErrorCode()
              + " at "
              + candidate.getLastErrorLocation()
              + ")");
    }
    port = candidate;
  }

  @Override
  public int read(byte[] buffer) throws IOException {
    SerialPort current = port;
    if (current == null) throw new IOException("serial port " + path + " is closed");
    int count = current.readBytes(buffer, buffer.length);
    if (count < 0) {
      throw new IOException(
          "serial port " + path + " failed (error " + current.getLastErrorCode() + ")");
    }
    return count;
  }

  @Override
  public void write(byte[] command) throws IOException {
    SerialPort current = port;
    if (current == null || current.writeBytes(command, command.length) != command.length) {
      throw new IOException("could not write to serial port " + path);
    }
  }

  @Override
  public String describe() {
    return path + " at " + baudRate + " baud";
  }

  @Override
  public void close() {
    SerialPort current = port;
    port = null;
    if (current != null) current.closePort();
  }
}
