package io.sensorgw.security.internal;

import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.MetricsSource;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.AbstractMetaDataConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes an HTTP/1 connection whose request headers do not arrive in full within {@code
 * header.timeout.s}, however slowly they trickle in. Jetty's idle timeout is reset by every byte,
 * so on its own a client sending one byte per minute keeps a connection (a socket, buffers) for
 * days. Jetty 12.1 has no limit on the time headers take, and Felix HTTP (jetty12 1.1.8) has no
 * hook to its connectors: its ConnectorFactory only adds connectors, and it lists every connector
 * as a network endpoint. So a sampler looks at every connection of the server once a second ({@link
 * HeaderClock} says which are late, from Jetty's counters) and closes the late ones, TLS ones
 * included (their handshake counts as header time).
 *
 * <p>The server is learnt from the first request that reaches any route (this filter sees every one
 * and lets it through unchanged), and learnt again after Jetty restarts. Until the first request
 * after a start nothing is watched; connections that opened before it are watched from then.
 */
@Component(
    service = {Filter.class, MetricsSource.class},
    configurationPid = Tokens.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL,
    // First of all filters: it answers nothing, and learns the server even from a request refused
    // later.
    property = {"service.ranking:Integer=10000", MetricsSource.NAME + "=connections"})
@HttpWhiteboardFilterPattern("/*")
@HttpWhiteboardFilterAsyncSupported
public class HeaderTimeout implements Filter, MetricsSource {
  private static final Logger LOG = LoggerFactory.getLogger(HeaderTimeout.class);
  static final int MAX_TIMEOUT_S = 3600;

  private final ScheduledExecutorService sampler;
  private final LongAdder closed = new LongAdder();

  /** 0: off. */
  private volatile long timeoutNanos;

  /** The Jetty server whose connectors are watched, from the last request (null before one). */
  private volatile Server server;

  private volatile int watched;

  /** The sampler's own: a clock per HTTP/1 connection seen at the last sample. */
  private Map<Connection, HeaderClock> clocks = new IdentityHashMap<>();

  @Activate
  public HeaderTimeout(SecurityConfig config) {
    apply(config);
    sampler =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "sensorgw-header-timeout");
              thread.setDaemon(true);
              return thread;
            });
    sampler.scheduleWithFixedDelay(this::sampleSafely, 1, 1, TimeUnit.SECONDS);
  }

  @Modified
  void apply(SecurityConfig config) {
    int seconds = config.header_timeout_s();
    if (seconds < 0 || seconds > MAX_TIMEOUT_S) {
      LOG.warn(
          "Connections: header.timeout.s must be 0..{} (0: off), was {}; using 20",
          MAX_TIMEOUT_S,
          seconds);
      seconds = 20;
    }
    timeoutNanos = TimeUnit.SECONDS.toNanos(seconds);
    LOG.info(
        "Connections: request headers must arrive within {}",
        seconds == 0 ? "any time (off)" : seconds + " s");
  }

  @Deactivate
  void stop() throws InterruptedException {
    sampler.shutdownNow();
    if (!sampler.awaitTermination(5, TimeUnit.SECONDS))
      LOG.warn("Connections: the header timeout sampler did not stop");
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    Server current = serverOf(request);
    if (current != null && current != server) server = current;
    chain.doFilter(request, response);
  }

  private static Server serverOf(ServletRequest request) {
    try {
      ServletContextRequest jettyRequest = ServletContextRequest.getServletContextRequest(request);
      return jettyRequest == null
          ? null
          : jettyRequest.getConnectionMetaData().getConnector().getServer();
    } catch (RuntimeException | LinkageError e) {
      return null; // not Jetty: nothing to watch
    }
  }

  private void sampleSafely() {
    try {
      sample(System.nanoTime());
    } catch (RuntimeException e) {
      LOG.warn("Connections: header timeout check failed; next try in a second", e);
    }
  }

  private void sample(long now) {
    Server watchedServer = server;
    long timeout = timeoutNanos;
    if (watchedServer == null || timeout == 0) {
      clocks = new IdentityHashMap<>();
      watched = 0;
      return;
    }
    Map<Connection, HeaderClock> next = new IdentityHashMap<>();
    long wallNow = System.currentTimeMillis();
    for (Connector connector : watchedServer.getConnectors()) {
      for (EndPoint endPoint : connector.getConnectedEndPoints()) {
        Connection connection = endPoint.getConnection();
        // TLS: the HTTP connection is the one on the decrypted side.
        if (connection instanceof SslConnection tls)
          connection = tls.getSslEndPoint().getConnection();
        // HTTP/1 only; WebSocket (after its upgrade) and HTTP/2 connections are something else.
        if (!(connection instanceof AbstractMetaDataConnection)) continue;
        HeaderClock clock = clocks.get(connection);
        if (clock == null) {
          long age =
              TimeUnit.MILLISECONDS.toNanos(Math.max(0, wallNow - endPoint.getCreatedTimeStamp()));
          clock = new HeaderClock(now - age);
        }
        next.put(connection, clock);
        if (clock.overdue(
            connection.getMessagesIn(),
            connection.getMessagesOut(),
            connection.getBytesIn(),
            now,
            timeout)) {
          closed.increment();
          LOG.debug(
              "Connections: closing {}: request headers not complete within {} s",
              endPoint.getRemoteSocketAddress(),
              TimeUnit.NANOSECONDS.toSeconds(timeout));
          endPoint.close(new TimeoutException("request headers not complete in time"));
        }
      }
    }
    clocks = next;
    watched = next.size();
  }

  @Override
  public Map<String, MetricDescription> metricDescriptions() {
    return Map.of(
        "headerTimeouts",
        MetricDescription.counter("Connections closed, headers not sent in time"),
        "http1Connections",
        MetricDescription.gauge("HTTP/1 connections watched"));
  }

  @Override
  public Map<String, Number> metrics() {
    Map<String, Number> metrics = new LinkedHashMap<>();
    metrics.put("headerTimeouts", closed.sum());
    metrics.put("http1Connections", watched);
    return metrics;
  }
}
