package io.sensorgw.http.websocket.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.concurrent.ManagedExecutor;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServlet;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServletFactory;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /ws[?sensor=a,b][&raw=true]}: the live stream over WebSocket, one text message per
 * reading in the same JSON as the HTTP API and {@code /api/stream} (the reported readings, or every
 * reading with {@code raw=true}), and one {@code {"type":"alarm", ...}} message per alarm raised or
 * cleared (first those active when the client connects). Each client is a {@link ReadingListener}
 * of its own (its own thread and bounded queue in the fan-out): a client that stops reading loses
 * its oldest readings, is told with a {@code {"dropped": n}} message, and slows nobody else.
 */
@Component(
    service = Servlet.class,
    configurationPid = WebSocketStreamServlet.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = WebSocketStreamServlet.Config.class)
@HttpWhiteboardServletPattern("/ws")
public class WebSocketStreamServlet extends JettyWebSocketServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(WebSocketStreamServlet.class);
  static final String PID = "io.sensorgw.http.websocket";

  @ObjectClassDefinition(name = "sensorgw WebSocket stream", description = "GET /ws")
  public @interface Config {
    @AttributeDefinition(
        name = "Client queue",
        description = "Readings held for a slow client before the oldest are dropped, 1-100000",
        min = "1",
        max = "100000")
    int client_queue_capacity() default 256;

    @AttributeDefinition(
        name = "Ping (s)",
        description =
            "A ping frame this often keeps proxies from closing an idle connection, 1-3600",
        min = "1",
        max = "3600")
    int ping_seconds() default 15;

    @AttributeDefinition(
        name = "Idle timeout (s)",
        description =
            "A connection with no traffic at all (not even pongs) this long is closed, 1-3600",
        min = "1",
        max = "3600")
    int idle_timeout_seconds() default 60;

    @AttributeDefinition(
        name = "Most clients",
        description =
            "WebSockets open at once (each holds a connection and its queue); more get 503, 1-10000",
        min = "1",
        max = "10000")
    int max_clients() default 64;
  }

  final transient BundleContext context;
  final transient ObjectMapper mapper = new ObjectMapper();
  final int queueCapacity;
  private final int maxClients;
  private final Duration idleTimeout;
  final transient Set<StreamSocket> sockets = ConcurrentHashMap.newKeySet();

  /** Pings and releasing clients' fan-out places, off Jetty's and the fan-out's threads. */
  final transient ManagedExecutor housekeeping = new ManagedExecutor("websocket", 1, 1024);

  @Activate
  public WebSocketStreamServlet(BundleContext context, Config config) {
    this.context = context;
    // Out-of-range values are held to the documented bounds (metatype min/max).
    this.queueCapacity = Math.min(100_000, Math.max(1, config.client_queue_capacity()));
    this.maxClients = Math.min(10_000, Math.max(1, config.max_clients()));
    this.idleTimeout =
        Duration.ofSeconds(Math.min(3600, Math.max(1, config.idle_timeout_seconds())));
    Duration ping = Duration.ofSeconds(Math.min(3600, Math.max(1, config.ping_seconds())));
    housekeeping.scheduleAtFixedRate(
        () -> {
          sockets.forEach(StreamSocket::ping);
          return null;
        },
        ping,
        ping);
  }

  @Deactivate
  void deactivate() {
    sockets.forEach(socket -> socket.close(1001, "gateway stream going away"));
    housekeeping.close(Duration.ofSeconds(5));
  }

  /** Why a request cannot be answered with a WebSocket, as a status and one line. */
  record Refusal(int status, String reason) {}

  /**
   * Answers a request that is not a WebSocket opening handshake Jetty can complete (RFC 6455 4.2.1)
   * with a JSON error, 400 (405 for another method), before Jetty sees it: Jetty answers a
   * handshake without {@code Sec-WebSocket-Key} with 500 and a logged stack trace.
   */
  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    Refusal refusal =
        refusal(
            request.getProtocol(),
            request.getMethod(),
            request.getHeaders("Upgrade"),
            request.getHeaders("Connection"),
            request.getHeader("Sec-WebSocket-Key"),
            request.getHeader("Sec-WebSocket-Version"));
    if (refusal == null && sockets.size() >= maxClients) {
      response.setHeader("Retry-After", "10");
      refusal =
          new Refusal(
              503,
              "the WebSocket stream has "
                  + sockets.size()
                  + " clients, its most (max.clients of "
                  + PID
                  + ")");
    }
    if (refusal == null) {
      super.service(request, response);
      return;
    }
    if (refusal.status() == 405) response.setHeader("Allow", "GET");
    // RFC 6455 4.4: a refused version is answered with the version this server speaks.
    response.setHeader("Sec-WebSocket-Version", "13");
    response.setStatus(refusal.status());
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", refusal.reason());
    body.put("status", refusal.status());
    response.getWriter().write(mapper.writeValueAsString(body));
  }

  /** Why the request is no WebSocket handshake Jetty can complete, or null when it is one. */
  static Refusal refusal(
      String protocol,
      String method,
      Enumeration<String> upgrade,
      Enumeration<String> connection,
      String key,
      String version) {
    // HTTP/2 and 3 open a WebSocket with an extended CONNECT, without key or version (RFC 8441).
    if (protocol != null && !protocol.startsWith("HTTP/1.")) return null;
    if (!"GET".equals(method))
      return new Refusal(405, "/ws takes GET, a WebSocket handshake; was " + method);
    if (!"HTTP/1.1".equals(protocol)) {
      return new Refusal(400, "a WebSocket handshake needs HTTP/1.1, was " + protocol);
    }
    if (!hasToken(upgrade, "websocket") || !hasToken(connection, "upgrade")) {
      return new Refusal(
          400, "/ws is a WebSocket: the request needs Upgrade: websocket and Connection: Upgrade");
    }
    if (key == null || key.isBlank())
      return new Refusal(400, "the WebSocket handshake has no Sec-WebSocket-Key");
    if (!isNonce(key.trim())) {
      return new Refusal(400, "Sec-WebSocket-Key must be 16 bytes in base64 (24 characters)");
    }
    if (!"13".equals(version == null ? null : version.trim())) {
      return new Refusal(
          400,
          "Sec-WebSocket-Version must be 13, was "
              + (version == null ? "missing" : version.trim()));
    }
    return null;
  }

  private static boolean hasToken(Enumeration<String> values, String token) {
    while (values != null && values.hasMoreElements()) {
      for (String part : values.nextElement().split(",")) {
        if (part.trim().equalsIgnoreCase(token)) return true;
      }
    }
    return false;
  }

  /** RFC 6455: the key is a random 16-byte value, base64-encoded. */
  private static boolean isNonce(String key) {
    if (key.length() != 24) return false;
    try {
      return Base64.getDecoder().decode(key).length == 16;
    } catch (IllegalArgumentException notBase64) {
      return false;
    }
  }

  @Override
  protected void configure(JettyWebSocketServletFactory factory) {
    factory.setIdleTimeout(idleTimeout);
    factory.setCreator(
        (request, response) ->
            new StreamSocket(
                sensors(request.getParameterMap()), raw(request.getParameterMap()), this));
  }

  private static boolean raw(Map<String, List<String>> parameters) {
    return parameters.getOrDefault("raw", List.of()).stream().anyMatch("true"::equalsIgnoreCase);
  }

  private static Set<String> sensors(Map<String, List<String>> parameters) {
    List<String> values = parameters.getOrDefault("sensor", List.of());
    return values.stream()
        .flatMap(v -> Arrays.stream(v.split(",")))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .collect(Collectors.toSet());
  }

  /** Connected clients, for tests and statistics. */
  int clients() {
    return sockets.size();
  }
}
