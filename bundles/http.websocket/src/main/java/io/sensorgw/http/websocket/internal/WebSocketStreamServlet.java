package io.sensorgw.http.websocket.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.core.ManagedExecutor;
import jakarta.servlet.Servlet;
import java.time.Duration;
import java.util.Arrays;
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
 * {@code GET /ws[?sensor=a,b]}: the live stream over WebSocket, one text message per reading in
 * the same JSON as the HTTP API and {@code /api/stream}. Each client is a {@link ReadingListener}
 * of its own (its own thread and bounded queue in the fan-out): a client that stops reading loses
 * its oldest readings, is told with a {@code {"dropped": n}} message, and slows nobody else.
 */
@Component(service = Servlet.class, configurationPid = WebSocketStreamServlet.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = WebSocketStreamServlet.Config.class)
@HttpWhiteboardServletPattern("/ws")
public class WebSocketStreamServlet extends JettyWebSocketServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(WebSocketStreamServlet.class);
  static final String PID = "io.sensorgw.http.websocket";

  @ObjectClassDefinition(name = "sensorgw WebSocket stream", description = "GET /ws")
  public @interface Config {
    @AttributeDefinition(name = "Client queue",
        description = "Readings held for a slow client before the oldest are dropped")
    int client_queue_capacity() default 256;

    @AttributeDefinition(name = "Ping (s)",
        description = "A ping frame this often keeps proxies from closing an idle connection")
    int ping_seconds() default 15;

    @AttributeDefinition(name = "Idle timeout (s)",
        description = "A connection with no traffic at all (not even pongs) this long is closed")
    int idle_timeout_seconds() default 60;
  }

  final transient BundleContext context;
  final transient ObjectMapper mapper = new ObjectMapper();
  final int queueCapacity;
  private final Duration idleTimeout;
  final transient Set<StreamSocket> sockets = ConcurrentHashMap.newKeySet();
  /** Pings and releasing clients' fan-out places, off Jetty's and the fan-out's threads. */
  final transient ManagedExecutor housekeeping = new ManagedExecutor("websocket", 1, 1024);

  @Activate
  public WebSocketStreamServlet(BundleContext context, Config config) {
    this.context = context;
    this.queueCapacity = Math.max(1, config.client_queue_capacity());
    this.idleTimeout = Duration.ofSeconds(Math.max(1, config.idle_timeout_seconds()));
    Duration ping = Duration.ofSeconds(Math.max(1, config.ping_seconds()));
    housekeeping.scheduleAtFixedRate(() -> {
      sockets.forEach(StreamSocket::ping);
      return null;
    }, ping, ping);
  }

  @Deactivate
  void deactivate() {
    sockets.forEach(socket -> socket.close(1001, "gateway stream going away"));
    housekeeping.close(Duration.ofSeconds(5));
  }

  @Override
  protected void configure(JettyWebSocketServletFactory factory) {
    factory.setIdleTimeout(idleTimeout);
    factory.setCreator((request, response) -> new StreamSocket(sensors(request.getParameterMap()), this));
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
