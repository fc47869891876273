package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Value;
import io.sensorgw.core.Measurement;
import io.sensorgw.fanout.ReadingPublisher;
import io.sensorgw.fanout.ReadingPublisher.ListenerStats;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** GET /ws with the JDK's WebSocket client over a real socket. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class WebSocketTest {
  private static final Pattern SENSOR_AND_SEQUENCE =
      Pattern.compile("^\\{\"sensor\":\"([^\"]+)\",\"sequence\":(\\d+),.*");

  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ReadingPublisher publisher;

  private boolean registered(String filter) {
    try {
      return context.getServiceReferences((String) null, filter) != null;
    } catch (org.osgi.framework.InvalidSyntaxException e) {
      throw new AssertionError(e);
    }
  }

  private List<ListenerStats> sockets() {
    return publisher.listenerStats().stream()
        .filter(s -> s.name().startsWith("StreamSocket-"))
        .toList();
  }

  /** Collects text messages; asks for the next one only while {@code reading} is on. */
  private static final class Collector implements WebSocket.Listener {
    final List<String> messages = new CopyOnWriteArrayList<>();
    final AtomicLong asked = new AtomicLong();
    volatile boolean reading;
    private final StringBuilder partial = new StringBuilder();

    Collector(boolean reading) {
      this.reading = reading;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
      asked.incrementAndGet();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(partial.toString());
        partial.setLength(0);
      }
      if (reading) webSocket.request(1);
      return null;
    }
  }

  @Test
  void readingsArriveInOrderAndAClientThatStopsReadingLosesItsOldestAndDelaysNobody()
      throws Exception {
    Configuration config = configAdmin.getConfiguration("io.sensorgw.http.websocket", "?");
    Hashtable<String, Object> props = new Hashtable<>();
    props.put("client.queue.capacity", 8);
    config.update(props);
    // Applied asynchronously by restarting the servlet, which would drop clients connected before.
    Gateway.await(
        () -> registered("(client.queue.capacity=8)"), "the WebSocket servlet with queues of 8");
    Gateway gateway = new Gateway(context);
    URI ws = URI.create(gateway.uri("/ws").toString().replaceFirst("^http", "ws"));
    // Large readings, so a client that stops reading fills the socket buffers quickly.
    Measurement reading =
        Measurement.of(
            Quality.SIMULATED,
            Map.of("distance", Value.of(1, "cm"), "padding", Value.of(0, "x".repeat(4000))));
    HttpClient client = HttpClient.newHttpClient();
    try (TestSensor a =
            new TestSensor(
                    context, "it-ws-a", Duration.ZERO, TestSensor.READ_TIMEOUT, () -> reading)
                .register(context, "tfluna");
        TestSensor b =
            new TestSensor(
                    context, "it-ws-b", Duration.ZERO, TestSensor.READ_TIMEOUT, () -> reading)
                .register(context, "tfluna")) {
      Gateway.await(() -> sockets().isEmpty(), "no WebSocket clients yet");
      Collector stalledMessages = new Collector(false);
      WebSocket stalled =
          client
              .newWebSocketBuilder()
              .buildAsync(ws, stalledMessages)
              .get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      Collector readerMessages = new Collector(true);
      WebSocket reader =
          client
              .newWebSocketBuilder()
              .buildAsync(URI.create(ws + "?sensor=it-ws-a"), readerMessages)
              .get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      Gateway.await(() -> sockets().size() == 2, "both clients in the fan-out");

      // At the pace the reading client keeps up with (it has a queue of 8 too), while the stalled
      // client's socket fills up.
      int count = 2000;
      for (int i = 1; i <= count; i++) {
        a.read().toCompletableFuture().get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
        b.read().toCompletableFuture().get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
        int expected = i;
        long deadline = System.nanoTime() + Gateway.DEADLINE.toNanos();
        while (readerMessages.messages.size() < expected) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError(
                "reading "
                    + expected
                    + " of A never arrived; got "
                    + readerMessages.messages.size()
                    + "; clients "
                    + sockets());
          }
          java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
      }
      List<Long> sequences = new ArrayList<>();
      for (String message : readerMessages.messages) {
        Matcher m = SENSOR_AND_SEQUENCE.matcher(message);
        assertTrue(
            m.matches(), "reading JSON: " + message.substring(0, Math.min(120, message.length())));
        assertEquals("it-ws-a", m.group(1), "only sensor A on the filtered socket");
        sequences.add(Long.parseLong(m.group(2)));
      }
      assertEquals(
          java.util.stream.LongStream.rangeClosed(1, count).boxed().toList(),
          sequences,
          "every reading of A, in order, although another client stopped reading");

      // The stalled client lost readings on the gateway side, not the reader.
      Gateway.await(
          () -> sockets().stream().mapToLong(ListenerStats::dropped).sum() > 0,
          "the stalled client's oldest readings dropped",
          () -> " " + sockets());
      // When it reads again, it is told how many it lost.
      stalledMessages.reading = true;
      stalled.request(Long.MAX_VALUE);
      Gateway.await(
          () -> stalledMessages.messages.stream().anyMatch(m -> m.matches("\\{\"dropped\":\\d+}")),
          "a dropped message",
          () -> " after " + stalledMessages.messages.size() + " messages");

      // Closing frees each client's place in the fan-out.
      reader
          .sendClose(WebSocket.NORMAL_CLOSURE, "done")
          .get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      stalled.abort();
      Gateway.await(
          () -> sockets().isEmpty(), "clients released after they left", () -> " " + sockets());
    } finally {
      config.delete();
    }
  }

  @Test
  void clientsBeyondTheMostAreRefusedWith503AndAPlaceFreesWhenOneLeaves() throws Exception {
    // Another test's configuration (queues of 8) may just have been deleted: the servlet back with
    // its defaults first, or that deletion could be applied after the change below and undo it.
    Gateway.await(
        () ->
            registered("(&(osgi.http.whiteboard.servlet.pattern=/ws)(client.queue.capacity=256))"),
        "the WebSocket servlet with its defaults");
    Configuration config = configAdmin.getConfiguration("io.sensorgw.http.websocket", "?");
    Hashtable<String, Object> props = new Hashtable<>();
    props.put("max.clients", 1);
    config.update(props);
    Gateway.await(
        () -> registered("(max.clients=1)"), "the WebSocket servlet with at most 1 client");
    URI ws = URI.create(new Gateway(context).uri("/ws").toString().replaceFirst("^http", "ws"));
    HttpClient client = HttpClient.newHttpClient();
    try {
      Gateway.await(() -> sockets().isEmpty(), "no WebSocket clients yet");
      WebSocket first =
          client
              .newWebSocketBuilder()
              .buildAsync(ws, new Collector(true))
              .get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      Gateway.await(() -> sockets().size() == 1, "the first client in the fan-out");
      java.util.concurrent.ExecutionException refused =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.ExecutionException.class,
              () ->
                  client
                      .newWebSocketBuilder()
                      .buildAsync(ws, new Collector(true))
                      .get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS));
      java.net.http.WebSocketHandshakeException handshake =
          (java.net.http.WebSocketHandshakeException) refused.getCause();
      assertEquals(503, handshake.getResponse().statusCode());
      assertTrue(
          String.valueOf(handshake.getResponse().body()).contains("its most (max.clients"),
          String.valueOf(handshake.getResponse().body()));
      first.abort();
      Gateway.await(
          () -> {
            try {
              client
                  .newWebSocketBuilder()
                  .buildAsync(ws, new Collector(true))
                  .get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS)
                  .abort();
              return true;
            } catch (Exception e) {
              return false;
            }
          },
          "a place again after the client left");
    } finally {
      config.delete();
    }
  }
}
