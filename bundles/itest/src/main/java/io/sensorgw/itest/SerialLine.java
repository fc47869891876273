package io.sensorgw.itest;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real serial line made of two pseudo-terminals joined by socat: the driver opens {@link
 * #deviceEnd()}, the test writes and reads {@link #testEnd()}. Stopping it is unplugging the cable;
 * starting it again with the same paths is plugging it back.
 */
final class SerialLine implements AutoCloseable {
  private final Path deviceEnd;
  private final Path testEnd;
  private Process socat;
  private FileOutputStream out;
  private FileInputStream in;

  SerialLine(Path dir) {
    this.deviceEnd = dir.resolve("tfluna-device");
    this.testEnd = dir.resolve("tfluna-test");
  }

  Path deviceEnd() {
    return deviceEnd;
  }

  Path testEnd() {
    return testEnd;
  }

  SerialLine plugIn() throws IOException {
    socat =
        Processes.start(
            new ProcessBuilder(
                    "socat",
                    "-d",
                    "-d",
                    "pty,raw,echo=0,link=" + deviceEnd,
                    "pty,raw,echo=0,link=" + testEnd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD));
    Gateway.await(
        () -> Files.exists(deviceEnd) && Files.exists(testEnd) || !socat.isAlive(),
        "socat pseudo-terminals");
    if (!socat.isAlive()) throw new IOException("socat exited with " + socat.exitValue());
    out = new FileOutputStream(testEnd.toFile());
    in = new FileInputStream(testEnd.toFile());
    return this;
  }

  void unplug() {
    closeStreams();
    if (socat != null) {
      Processes.stop(socat); // SIGTERM: socat removes its links as it exits
      socat = null;
    }
    Gateway.await(() -> !Files.exists(deviceEnd), "pseudo-terminal links removed");
  }

  /** Writes bytes to the driver's side; false when the line is down. */
  synchronized boolean write(byte[] bytes) {
    try {
      FileOutputStream current = out;
      if (current == null) return false;
      current.write(bytes);
      current.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Reads what the driver sent, blocking; -1 when the line is down. */
  int read(byte[] buffer) {
    try {
      FileInputStream current = in;
      return current == null ? -1 : current.read(buffer);
    } catch (IOException e) {
      return -1;
    }
  }

  private synchronized void closeStreams() {
    try {
      if (out != null) out.close();
      if (in != null) in.close();
    } catch (IOException e) {
      // closing a pty whose other side is gone may fail; it is closed either way
    }
    out = null;
    in = null;
  }

  @Override
  public void close() {
    unplug();
  }
}
