package io.sensorgw.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One HTTP request over a raw socket, for what the JDK's client will not send as given (a Host of
 * another name, a handshake without a key): the status and the text read back.
 */
final class RawHttp {
  private RawHttp() {}

  private static final Pattern LENGTH = Pattern.compile("(?i)content-length: *(\\d+)");

  record Answer(int status, String text) {}

  /**
   * Sends {@code request} as it is; reads the head, and the body when {@code wholeBody} or the
   * status is an error (a stream or a WebSocket that opened is left at its head).
   */
  static Answer exchange(int port, String request, boolean wholeBody) throws IOException {
    return exchange(new Socket("127.0.0.1", port), request, wholeBody);
  }

  /**
   * As {@link #exchange(int, String, boolean)}, on a socket already open (e.g. a TLS one); closes
   * it.
   */
  static Answer exchange(Socket opened, String request, boolean wholeBody) throws IOException {
    try (Socket socket = opened) {
      socket.setSoTimeout((int) RunningGateway.DEADLINE.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) break;
        head.write(b);
      }
      String text = head.toString(StandardCharsets.ISO_8859_1);
      int status = Integer.parseInt(text.substring(9, 12));
      if (!wholeBody && status < 400) return new Answer(status, text);
      Matcher length = LENGTH.matcher(text);
      if (length.find()) {
        text +=
            new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8);
      } else if (text.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (!body.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n")) {
          int b = in.read();
          if (b < 0) break;
          body.write(b);
        }
        text +=
            body.toString(StandardCharsets.UTF_8); // chunk sizes stay in: the tests look for text
      }
      return new Answer(status, text);
    }
  }
}
