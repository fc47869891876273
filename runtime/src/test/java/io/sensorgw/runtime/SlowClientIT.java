package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that trickles its request headers (slowloris) is closed after {@code header.timeout.s},
 * while a normal request on another connection is answered meanwhile, and a stream (SSE) and a
 * reused keep-alive connection that are quiet for longer than the header timeout stay open.
 */
class SlowClientIT {
  private static final int HEADER_TIMEOUT_S = 2;

  /**
   * One byte this often: far inside the idle timeout (60 s), so only the header timeout can close.
   */
  private static final int TRICKLE_MS = 500;

  @TempDir Path temp;

  @Test
  void aTricklingClientIsClosedWhileOthersAreServed() throws Exception {
    Path home = Files.createDirectories(temp.resolve("home/config"));
    Files.writeString(
        home.resolve("io.sensorgw.security.cfg"), "header.timeout.s=" + HEADER_TIMEOUT_S + "\n");
    try (RunningGateway gateway = new RunningGateway(home.getParent())) {
      String bearer = gateway.bearer();
      gateway.await(
          () -> gateway.status("/api/sensors/tfluna-1", null) == 200, "the simulated TF-Luna");
      // Each connection sends its request as soon as it is open: its headers are due from then.
      try (Socket stream = connect(gateway)) {
        send(
            stream,
            "GET /api/stream?sensor=tfluna-1 HTTP/1.1\r\nHost: localhost\r\nAuthorization: "
                + bearer
                + "\r\n\r\n");
        String streamHead = readUntil(stream.getInputStream(), "\r\n\r\n");
        assertTrue(streamHead.startsWith("HTTP/1.1 200"), streamHead);
        assertTrue(
            readUntil(stream.getInputStream(), "event: reading").endsWith("event: reading"),
            "a first reading");
        try (Socket keepAlive = connect(gateway)) {
          assertEquals(200, healthOver(keepAlive), "a first request on a reused connection");

          long opened = System.nanoTime();
          Duration open;
          try (Socket trickle = new Socket("127.0.0.1", gateway.port)) {
            // Meanwhile a normal request on another connection is answered at once.
            open =
                trickleUntilClosed(
                    trickle,
                    opened,
                    () -> assertEquals(200, gateway.status("/api/sensors", null)),
                    () -> logOf(gateway));
          }
          assertTrue(
              open.compareTo(Duration.ofSeconds(HEADER_TIMEOUT_S)) >= 0,
              "closed no earlier than the timeout: " + open);

          // Both quiet connections outlived the header timeout: the stream still delivers, the
          // kept-alive connection takes its next request.
          assertTrue(
              readUntil(stream.getInputStream(), "event: reading").contains("tfluna-1"),
              "the stream goes on");
          assertEquals(200, healthOver(keepAlive), "the reused connection takes another request");
          assertTrue(
              gateway.sourceMetric("connections", "headerTimeouts") >= 1, "counted in /metrics");
        }
      }
    }
  }

  private static Socket connect(RunningGateway gateway) throws IOException {
    Socket socket = new Socket("127.0.0.1", gateway.port);
    socket.setSoTimeout((int) RunningGateway.DEADLINE.toMillis());
    return socket;
  }

  /**
   * Sends a request's headers a byte at a time until the server closes the connection; how long it
   * was open. Fails when the server answers, or keeps it open past the bound.
   */
  private static Duration trickleUntilClosed(
      Socket trickle, long openedNanos, Runnable meanwhile, java.util.function.Supplier<String> log)
      throws IOException {
    trickle.setSoTimeout(
        TRICKLE_MS); // the read below waits this long for the close: the trickle's pace
    OutputStream out = trickle.getOutputStream();
    InputStream in = trickle.getInputStream();
    byte[] request =
        ("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + "a".repeat(200))
            .getBytes(StandardCharsets.ISO_8859_1);
    Duration bound =
        Duration.ofSeconds(HEADER_TIMEOUT_S + 30); // the timeout, a sample period, a busy machine
    for (int sent = 0; ; ) {
      assertTrue(
          sent < request.length && System.nanoTime() - openedNanos < bound.toNanos(),
          "the trickling client is still connected after "
              + Duration.ofNanos(System.nanoTime() - openedNanos)
              + " and "
              + sent
              + " bytes; gateway log:\n"
              + log.get());
      try {
        out.write(request[sent++]);
        out.flush();
      } catch (IOException reset) {
        break; // the server closed it, and this write met the reset
      }
      if (sent == 1) meanwhile.run();
      int answer;
      try {
        answer = in.read();
      } catch (SocketTimeoutException stillOpen) {
        continue; // one more byte
      } catch (IOException reset) {
        break;
      }
      assertEquals(-1, answer, "the trickling client is closed without an answer");
      break;
    }
    return Duration.ofNanos(System.nanoTime() - openedNanos);
  }

  private static String logOf(RunningGateway gateway) {
    try {
      return Files.readString(gateway.home.resolve("data/sensorgw.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static void send(Socket socket, String request) throws IOException {
    socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /** GET /health on a kept-alive connection; its status, the body read to its end. */
  private static int healthOver(Socket socket) throws IOException {
    send(socket, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    String head = readUntil(socket.getInputStream(), "\r\n\r\n");
    java.util.regex.Matcher length =
        java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    assertTrue(length.find(), "a /health answer with a length: " + head);
    socket.getInputStream().readNBytes(Integer.parseInt(length.group(1)));
    return Integer.parseInt(head.substring(9, 12));
  }

  /** Reads until {@code marker} has been read (or the end); what was read. */
  private static String readUntil(InputStream in, String marker) throws IOException {
    ByteArrayOutputStream read = new ByteArrayOutputStream();
    while (!read.toString(StandardCharsets.ISO_8859_1).endsWith(marker)) {
      int b = in.read();
      if (b < 0) break;
      read.write(b);
    }
    return read.toString(StandardCharsets.ISO_8859_1);
  }
}
