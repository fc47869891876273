package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.Alarm;
import io.sensorgw.api.AlarmListener;
import io.sensorgw.api.Quality;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.api.Value;
import io.sensorgw.core.Measurement;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/**
 * Alarm rules configured through ConfigAdmin on a sensor the test sets to known values: raised and
 * cleared with hysteresis, seen on {@code /api/alarms}, as {@code alarm} events on {@code
 * /api/stream} and {@code /ws}, and in {@code /metrics}; a sensor-state rule; a bad rule listed in
 * error with its reason.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class AlarmsTest {
  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  private final ObjectMapper mapper = new ObjectMapper();

  private static final Pattern SAMPLE =
      Pattern.compile(
          "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\\})? "
              + "(-?[0-9.]+([eE][-+]?[0-9]+)?|NaN|[+-]Inf)$");

  private static double metric(String body, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  private Configuration rule(String name, Object... keysAndValues) throws IOException {
    Configuration config = configAdmin.getFactoryConfiguration("io.sensorgw.alarm", name, "?");
    Hashtable<String, Object> properties = new Hashtable<>();
    for (int i = 0; i < keysAndValues.length; i += 2)
      properties.put((String) keysAndValues[i], keysAndValues[i + 1]);
    config.update(properties);
    return config;
  }

  private JsonNode json(HttpResponse<String> response) {
    try {
      return mapper.readTree(response.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + response.body(), e);
    }
  }

  private JsonNode ruleNamed(JsonNode alarms, String name) {
    for (JsonNode rule : alarms.get("rules")) {
      if (rule.get("name").asText().equals(name)) return rule;
    }
    return null;
  }

  private boolean ruleState(HttpResponse<String> response, String name, String state) {
    if (response.statusCode() != 200) return false;
    JsonNode rule = ruleNamed(json(response), name);
    return rule != null && rule.get("state").asText().equals(state);
  }

  /** The {@code alarm} events' data among SSE lines, as JSON. */
  private List<JsonNode> alarmEvents(List<String> lines) {
    List<JsonNode> events = new ArrayList<>();
    for (int i = 0; i + 1 < lines.size(); i++) {
      if (lines.get(i).equals("event: alarm") && lines.get(i + 1).startsWith("data: ")) {
        try {
          events.add(mapper.readTree(lines.get(i + 1).substring(6)));
        } catch (IOException e) {
          throw new AssertionError("alarm event data not JSON: " + lines.get(i + 1), e);
        }
      }
    }
    return events;
  }

  private List<JsonNode> alarmMessages(List<String> messages) {
    List<JsonNode> alarms = new ArrayList<>();
    for (String message : messages) {
      try {
        JsonNode node = mapper.readTree(message);
        if (node.path("type").asText().equals("alarm")) alarms.add(node);
      } catch (IOException e) {
        throw new AssertionError("WebSocket message not JSON: " + message, e);
      }
    }
    return alarms;
  }

  /** Collects a WebSocket's text messages. */
  private static final class Collector implements WebSocket.Listener {
    final List<String> messages = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }
  }

  @Test
  void aThresholdAlarmRaisesAndClearsWithHysteresisOnTheApiTheStreamsAndMetrics() throws Exception {
    Gateway gateway = new Gateway(context);
    AtomicReference<Double> distance = new AtomicReference<>(40.0);
    Configuration close =
        rule(
            "it-close",
            "name",
            "it-close",
            "sensor",
            "it-alarm",
            "value",
            "distance",
            "below",
            "30",
            "clear.above",
            "35");
    HttpClient client = HttpClient.newHttpClient();
    try (TestSensor sensor =
        new TestSensor(
                context,
                "it-alarm",
                Duration.ZERO,
                TestSensor.READ_TIMEOUT,
                // A unit with a quote, a backslash and a newline: escaped in /metrics' label
                // values.
                () ->
                    Measurement.of(
                        Quality.SIMULATED,
                        Map.of(
                            "distance",
                            Value.of(distance.get(), "cm"),
                            "tilt",
                            Value.of(7, "a\"b\\c\nd"))))
            .register(context, "tfluna")) {
      gateway.getUntil("/api/alarms", r -> ruleState(r, "it-close", "ok"), "the rule watching");
      JsonNode watching = ruleNamed(json(gateway.get("/api/alarms")), "it-close");
      assertEquals("it-alarm", watching.get("sensor").asText());
      assertEquals("distance below 30, clears above 35", watching.get("condition").asText());

      HttpResponse<Stream<String>> sse =
          client.send(
              HttpRequest.newBuilder(gateway.uri("/api/stream?sensor=it-alarm")).build(),
              HttpResponse.BodyHandlers.ofLines());
      assertEquals(200, sse.statusCode());
      List<String> lines = new CopyOnWriteArrayList<>();
      Thread consumer = new Thread(() -> sse.body().forEach(lines::add), "it-alarm-sse");
      consumer.setDaemon(true);
      consumer.start();
      Collector ws = new Collector();
      WebSocket socket =
          client
              .newWebSocketBuilder()
              .buildAsync(
                  URI.create(
                      gateway.uri("/ws?sensor=it-alarm").toString().replaceFirst("^http", "ws")),
                  ws)
              .get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
      // Both clients are alarm listeners once their first line or readings arrive; a reading proves
      // it.
      Gateway.await(
          () -> lines.stream().anyMatch(l -> l.startsWith(": sensorgw stream")),
          "the stream's first line");
      Gateway.await(
          () -> {
            try {
              gateway.get("/api/sensors/it-alarm/reading");
            } catch (IOException e) {
              return false;
            }
            return lines.contains("event: reading") && !ws.messages.isEmpty();
          },
          "readings on both streams");

      // 40 (ok), 20 (below 30: raised), 33 (inside the hysteresis: still raised), 36 (above 35:
      // cleared).
      for (double value : new double[] {40, 20, 33, 36}) {
        distance.set(value);
        assertEquals(200, gateway.get("/api/sensors/it-alarm/reading").statusCode());
        if (value == 20) {
          HttpResponse<String> raised =
              gateway.getUntil(
                  "/api/alarms", r -> ruleState(r, "it-close", "active"), "the alarm raised");
          JsonNode active = null;
          for (JsonNode alarm : json(raised).get("active")) {
            if (alarm.get("rule").asText().equals("it-close")) active = alarm;
          }
          assertTrue(active != null, raised.body());
          assertEquals("it-alarm", active.get("sensor").asText());
          assertEquals(20.0, active.get("value").asDouble());
          assertEquals("cm", active.get("unit").asText());
          assertTrue(active.get("active").asBoolean());
          assertFalse(active.get("since").asText().isEmpty());
          String metrics =
              gateway
                  .getUntil(
                      "/metrics",
                      r ->
                          metric(r.body(), "sensorgw_alarms_active") >= 1
                              && metric(
                                      r.body(),
                                      "sensorgw_reading_value{sensor=\"it-alarm\",unit=\"cm\",value=\"distance\"}")
                                  == 20,
                      "the alarm and the value in /metrics")
                  .body();
          assertTrue(metric(metrics, "sensorgw_alarms_raised_total") >= 1, metrics);
          assertEquals(
              7,
              metric(
                  metrics,
                  "sensorgw_reading_value{sensor=\"it-alarm\",unit=\"a\\\"b\\\\c\\nd\",value=\"tilt\"}"),
              metrics);
          for (String line : metrics.split("\n")) {
            if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE "))
              continue;
            assertTrue(SAMPLE.matcher(line).matches(), "not a Prometheus sample line: " + line);
          }
        }
      }
      // Readings of one sensor reach the rules in order: the clear at 36, with nothing between,
      // shows that 33 (inside the hysteresis) did not clear.
      Gateway.await(
          () -> alarmEvents(lines).size() >= 2 && alarmMessages(ws.messages).size() >= 2,
          "raise and clear on both streams",
          () -> ": " + lines + " " + ws.messages);
      for (List<JsonNode> events : List.of(alarmEvents(lines), alarmMessages(ws.messages))) {
        assertEquals(2, events.size(), events.toString());
        assertEquals("it-close", events.get(0).get("rule").asText());
        assertTrue(events.get(0).get("active").asBoolean());
        assertEquals(20.0, events.get(0).get("value").asDouble());
        assertFalse(events.get(1).get("active").asBoolean());
        assertEquals(36.0, events.get(1).get("value").asDouble());
      }
      HttpResponse<String> after =
          gateway.getUntil("/api/alarms", r -> ruleState(r, "it-close", "ok"), "cleared");
      for (JsonNode alarm : json(after).get("active"))
        assertFalse(alarm.get("rule").asText().equals("it-close"));
      gateway.getUntil(
          "/metrics",
          r ->
              metric(
                      r.body(),
                      "sensorgw_reading_value{sensor=\"it-alarm\",unit=\"cm\",value=\"distance\"}")
                  == 36,
          "the last value");

      // An edit applies live: below 50 raises at once on the last reading (36).
      Hashtable<String, Object> edited = new Hashtable<>();
      edited.put("name", "it-close");
      edited.put("sensor", "it-alarm");
      edited.put("value", "distance");
      edited.put("below", "50");
      close.update(edited);
      gateway.getUntil(
          "/api/alarms", r -> ruleState(r, "it-close", "active"), "the edited rule raised");

      sse.body().close();
      socket.abort();
      consumer.join(Gateway.DEADLINE.toMillis());
    } finally {
      close.delete();
    }
    // The sensor is gone: its values leave /metrics (only registered sensors have series).
    gateway.getUntil(
        "/metrics",
        r -> !r.body().contains("sensor=\"it-alarm\""),
        "the gone sensor's series dropped");
    gateway.getUntil(
        "/api/alarms",
        r -> r.statusCode() == 200 && ruleNamed(json(r), "it-close") == null,
        "the deleted rule gone");
  }

  @Test
  void aSensorStateRuleFollowsTheSensorAndABadRuleIsListedInError() throws Exception {
    Gateway gateway = new Gateway(context);
    AtomicBoolean failing = new AtomicBoolean();
    Configuration error =
        rule("it-error", "name", "it-error", "sensor", "it-alarm-state", "state", "error");
    Configuration bad =
        rule(
            "it-bad",
            "name",
            "it-bad",
            "sensor",
            "it-alarm-state",
            "value",
            "distance",
            "below",
            "thirty");
    // A bundle's listeners on the whiteboard: one collects, one throws (logged and counted, and
    // never keeps the other from its alarms).
    List<Alarm> told = new CopyOnWriteArrayList<>();
    ServiceRegistration<AlarmListener> collecting =
        context.registerService(AlarmListener.class, told::add, null);
    ServiceRegistration<AlarmListener> throwing =
        context.registerService(
            AlarmListener.class,
            alarm -> {
              throw new IllegalStateException("a listener's bug");
            },
            null);
    double errorsBefore =
        metric(gateway.get("/metrics").body(), "sensorgw_alarms_listener_errors_total");
    try (TestSensor sensor =
        new TestSensor(
                context,
                "it-alarm-state",
                Duration.ZERO,
                TestSensor.READ_TIMEOUT,
                () -> {
                  if (failing.get()) throw new IOException("sensor unplugged");
                  return Measurement.of(Quality.SIMULATED, Map.of("distance", Value.of(3, "cm")));
                })
            .register(context, "tfluna")) {
      HttpResponse<String> listed =
          gateway.getUntil(
              "/api/alarms",
              r -> ruleState(r, "it-error", "ok") && ruleState(r, "it-bad", "error"),
              "both rules listed");
      JsonNode refused = ruleNamed(json(listed), "it-bad");
      assertTrue(
          refused.get("reason").asText().contains("below must be a number, was 'thirty'"),
          listed.body());
      // A refused rule is a part in error in /health, with the reason.
      HttpResponse<String> health =
          gateway.getUntil(
              "/health",
              r -> json(r).path("parts").path("alarms").path("state").asText().equals("error"),
              "alarms in error");
      assertTrue(
          json(health)
              .path("parts")
              .path("alarms")
              .path("reason")
              .asText()
              .contains("rule it-bad refused: below must be a number"),
          health.body());

      assertEquals(200, gateway.get("/api/sensors/it-alarm-state/reading").statusCode());
      failing.set(true);
      assertEquals(503, gateway.get("/api/sensors/it-alarm-state/reading").statusCode());
      gateway.getUntil(
          "/api/alarms", r -> ruleState(r, "it-error", "active"), "the state alarm raised");
      failing.set(false);
      assertEquals(200, gateway.get("/api/sensors/it-alarm-state/reading").statusCode());
      gateway.getUntil(
          "/api/alarms", r -> ruleState(r, "it-error", "ok"), "the state alarm cleared");
      Gateway.await(
          () -> told.stream().filter(a -> a.rule().equals("it-error")).count() == 2,
          "the raise and the clear told to the whiteboard listener",
          told::toString);
      List<Alarm> stateAlarms = told.stream().filter(a -> a.rule().equals("it-error")).toList();
      assertTrue(stateAlarms.get(0).active());
      assertEquals("state error", stateAlarms.get(0).condition());
      assertTrue(Double.isNaN(stateAlarms.get(0).value()));
      assertFalse(stateAlarms.get(1).active());
      gateway.getUntil(
          "/metrics",
          r -> metric(r.body(), "sensorgw_alarms_listener_errors_total") >= errorsBefore + 2,
          "the throwing listener's two failures counted");

      // Fixed in place: the refused rule watches.
      Hashtable<String, Object> fixed = new Hashtable<>();
      fixed.put("name", "it-bad");
      fixed.put("sensor", "it-alarm-state");
      fixed.put("value", "distance");
      fixed.put("below", "30");
      bad.update(fixed);
      gateway.getUntil(
          "/api/alarms",
          r -> ruleState(r, "it-bad", "active") || ruleState(r, "it-bad", "ok"),
          "the fixed rule watching");
      gateway.getUntil(
          "/health",
          r -> json(r).path("parts").path("alarms").path("state").asText().equals("ok"),
          "alarms ok again");
    } finally {
      collecting.unregister();
      throwing.unregister();
      error.delete();
      bad.delete();
    }
  }

  private int streamClients(String filter) {
    try {
      var refs =
          context.getServiceReferences(
              AlarmListener.class.getName(),
              "(&(objectClass=" + ReadingListener.class.getName() + ")" + filter + ")");
      return refs == null ? 0 : refs.length;
    } catch (InvalidSyntaxException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void rawClientsAskForEveryReadingAndOthersForTheReportedOnes() throws Exception {
    Gateway gateway = new Gateway(context);
    HttpClient client = HttpClient.newHttpClient();
    int rawBefore = streamClients("(reading.reported=false)");
    int reportedBefore = streamClients("(reading.reported=true)");
    HttpResponse<Stream<String>> raw =
        client.send(
            HttpRequest.newBuilder(gateway.uri("/api/stream?raw=true")).build(),
            HttpResponse.BodyHandlers.ofLines());
    HttpResponse<Stream<String>> reported =
        client.send(
            HttpRequest.newBuilder(gateway.uri("/api/stream")).build(),
            HttpResponse.BodyHandlers.ofLines());
    WebSocket rawSocket =
        client
            .newWebSocketBuilder()
            .buildAsync(
                URI.create(gateway.uri("/ws?raw=true").toString().replaceFirst("^http", "ws")),
                new Collector())
            .get(Gateway.DEADLINE.toSeconds(), TimeUnit.SECONDS);
    try {
      assertEquals(200, raw.statusCode());
      Gateway.await(
          () ->
              streamClients("(reading.reported=false)") == rawBefore + 2
                  && streamClients("(reading.reported=true)") == reportedBefore + 1,
          "two raw stream clients (SSE and WebSocket) and one reported, each also an alarm listener");
    } finally {
      raw.body().close();
      reported.body().close();
      rawSocket.abort();
    }
    Gateway.await(
        () ->
            streamClients("(reading.reported=false)") == rawBefore
                && streamClients("(reading.reported=true)") == reportedBefore,
        "the clients' listeners gone with them");
  }
}
