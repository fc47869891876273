package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Value;
import io.sensorgw.core.Measurement;
import io.sensorgw.fanout.ReadingPublisher;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** GET /api/stream with real clients over a socket. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class StreamTest {
  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ReadingPublisher publisher;

  private static final Pattern EVENT_ID = Pattern.compile("^id: ([^:]+):(\\d+)$");

  private boolean registered(String filter) {
    try {
      return context.getServiceReferences((String) null, filter) != null;
    } catch (org.osgi.framework.InvalidSyntaxException e) {
      throw new AssertionError(e);
    }
  }

  private long streamClients() {
    return publisher.listenerStats().stream().filter(s -> s.name().startsWith("Client-")).count();
  }

  @Test
  void readingsStreamInOrderFilteredWithHeartbeatsAndAStalledClientDelaysNobody() throws Exception {
    Configuration stream = configAdmin.getConfiguration("io.sensorgw.http.stream", "?");
    Hashtable<String, Object> props = new Hashtable<>();
    props.put("heartbeat.seconds", "1");
    stream.update(props);
    // Applied asynchronously by restarting the servlet, which would drop clients connected before.
    Gateway.await(
        () -> registered("(heartbeat.seconds=1)"), "the stream servlet with a 1 s heartbeat");
    Gateway gateway = new Gateway(context);
    HttpClient client = HttpClient.newHttpClient();
    Measurement reading = Measurement.of(Quality.SIMULATED, Map.of("distance", Value.of(1, "cm")));
    try (TestSensor a =
            new TestSensor(
                    context, "it-sse-a", Duration.ZERO, TestSensor.READ_TIMEOUT, () -> reading)
                .register(context, "tfluna");
        TestSensor b =
            new TestSensor(
                    context, "it-sse-b", Duration.ZERO, TestSensor.READ_TIMEOUT, () -> reading)
                .register(context, "tfluna")) {
      gateway.getUntil("/api/sensors", r -> r.body().contains("it-sse-b"), "sensors listed");
      long before = streamClients();

      // A client that connects and then never reads.
      HttpResponse<Stream<String>> stalled =
          client.send(
              HttpRequest.newBuilder(gateway.uri("/api/stream")).build(),
              HttpResponse.BodyHandlers.ofLines());
      // A client that reads, filtered to sensor A.
      HttpResponse<Stream<String>> reader =
          client.send(
              HttpRequest.newBuilder(gateway.uri("/api/stream?sensor=it-sse-a")).build(),
              HttpResponse.BodyHandlers.ofLines());
      assertEquals(200, reader.statusCode());
      assertEquals(
          "text/event-stream",
          reader.headers().firstValue("content-type").orElse("").split(";")[0]);
      List<String> lines = new CopyOnWriteArrayList<>();
      Thread consumer = new Thread(() -> reader.body().forEach(lines::add), "it-sse-reader");
      consumer.setDaemon(true);
      consumer.start();
      Gateway.await(() -> streamClients() == before + 2, "both clients in the fan-out");

      for (int i = 0; i < 30; i++) {
        assertEquals(200, gateway.get("/api/sensors/it-sse-a/reading").statusCode());
        assertEquals(200, gateway.get("/api/sensors/it-sse-b/reading").statusCode());
      }
      Gateway.await(
          () -> lines.stream().filter(l -> l.equals("event: reading")).count() == 30,
          "30 events of A");
      List<Long> sequences = new ArrayList<>();
      for (String line : lines) {
        Matcher id = EVENT_ID.matcher(line);
        if (id.matches()) {
          assertEquals("it-sse-a", id.group(1), "only sensor A on the filtered stream");
          sequences.add(Long.parseLong(id.group(2)));
        }
      }
      assertEquals(
          java.util.stream.LongStream.rangeClosed(1, 30).boxed().toList(), sequences, "in order");
      assertTrue(
          lines.stream().anyMatch(l -> l.startsWith("data: {\"sensor\":\"it-sse-a\"")),
          "JSON data");
      Gateway.await(() -> lines.contains(": heartbeat"), "a heartbeat comment");

      // Disconnecting frees the client's place in the fan-out.
      reader.body().close();
      stalled.body().close();
      Gateway.await(() -> streamClients() == before, "clients released after disconnect");
      consumer.join(Gateway.DEADLINE.toMillis());
    } finally {
      stream.delete();
    }
  }

  @Test
  void clientsBeyondTheMostAreRefusedWith503AndAPlaceFreesWhenOneLeaves() throws Exception {
    // Another test's configuration (a 1 s heartbeat) may just have been deleted: the servlet back
    // with the defaults first, or the update below could be applied before that deletion.
    Gateway.await(
        () ->
            registered(
                "(&(osgi.http.whiteboard.servlet.pattern=/api/stream)(heartbeat.seconds=15))"),
        "the stream servlet with its defaults");
    Configuration stream = configAdmin.getConfiguration("io.sensorgw.http.stream", "?");
    Hashtable<String, Object> props = new Hashtable<>();
    props.put("max.clients", 2);
    stream.update(props);
    Gateway.await(() -> registered("(max.clients=2)"), "the stream servlet with at most 2 clients");
    Gateway gateway = new Gateway(context);
    HttpClient client = HttpClient.newHttpClient();
    try {
      HttpResponse<Stream<String>> first =
          client.send(
              HttpRequest.newBuilder(gateway.uri("/api/stream")).build(),
              HttpResponse.BodyHandlers.ofLines());
      HttpResponse<Stream<String>> second =
          client.send(
              HttpRequest.newBuilder(gateway.uri("/api/stream")).build(),
              HttpResponse.BodyHandlers.ofLines());
      assertEquals(200, first.statusCode());
      assertEquals(200, second.statusCode());
      HttpResponse<String> third =
          client.send(
              HttpRequest.newBuilder(gateway.uri("/api/stream")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(503, third.statusCode(), third.body());
      assertTrue(third.body().contains("its most (max.clients"), third.body());
      assertTrue(third.headers().firstValue("Retry-After").isPresent());
      first.body().close();
      Gateway.await(
          () -> {
            try {
              HttpResponse<Stream<String>> again =
                  client.send(
                      HttpRequest.newBuilder(gateway.uri("/api/stream")).build(),
                      HttpResponse.BodyHandlers.ofLines());
              again.body().close();
              return again.statusCode() == 200;
            } catch (java.io.IOException e) {
              return false;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return false;
            }
          },
          "a place again after a client left");
      second.body().close();
    } finally {
      stream.delete();
    }
  }
}
