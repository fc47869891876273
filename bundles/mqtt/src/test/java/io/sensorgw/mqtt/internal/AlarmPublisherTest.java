package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Alarm;
import io.sensorgw.api.Alarms;
import io.sensorgw.testing.Await;
import io.sensorgw.testing.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Alarm rules to Home Assistant entities: one per rule while it exists, removed when it is deleted.
 */
class AlarmPublisherTest {
  /** What the publisher hands to the spool. */
  record Sent(String topic, String payload, boolean retain) {}

  private final List<Sent> sent = new CopyOnWriteArrayList<>();
  private final Topics topics = new Topics("sensorgw/gw-1");
  private final AlarmPublisher publisher =
      new AlarmPublisher(
          topics,
          new HomeAssistant("homeassistant", "gw-1", topics),
          (topic, payload, qos, retain) ->
              sent.add(new Sent(topic, new String(payload, StandardCharsets.UTF_8), retain)));

  @AfterEach
  void close() {
    publisher.close();
  }

  private static Alarms.Rule rule(String name) {
    return new Alarms.Rule(name, "tfluna-1", "distance below 30", Alarms.RuleState.OK, "");
  }

  @Test
  void eachRuleHasAnEntityWhileItExistsAndADeletedRuleLosesItsEntityAndRetainedState()
      throws Exception {
    publisher.followRules(List.of(rule("close"), rule("far")));
    Await.until(() -> sent.size() == 2, "two discovery configs");
    assertEquals(
        List.of(
            "homeassistant/binary_sensor/gw-1/alarm_close/config",
            "homeassistant/binary_sensor/gw-1/alarm_far/config"),
        sent.stream().map(Sent::topic).sorted().toList());
    assertTrue(
        sent.stream()
            .allMatch(
                m ->
                    m.retain()
                        && Json.parse(m.payload())
                            .path("device_class")
                            .asText()
                            .equals("problem")));

    sent.clear();
    publisher.followRules(List.of(rule("close"), rule("far"))); // unchanged: nothing is sent
    publisher.followRules(List.of(rule("close")));
    Await.until(() -> sent.size() == 2, "the deleted rule's entity and state removed");
    assertEquals(
        List.of(
            new Sent("homeassistant/binary_sensor/gw-1/alarm_far/config", "", true),
            new Sent("sensorgw/gw-1/alarm/far", "", true)),
        sent,
        "empty retained payloads: removed, cleared");

    sent.clear();
    publisher.accept(
        new Alarm("elsewhere", "camera-1", "laser lost", true, Instant.EPOCH, Double.NaN, ""));
    Await.until(
        () -> sent.size() == 3,
        "an alarm of a rule the alarms bundle does not have: entity, state, event");
    sent.clear();
    publisher.followRules(List.of(rule("close"), rule("far")));
    Await.until(() -> sent.size() == 1, "the rule made again");
    publisher.close(); // what was queued is done
    assertEquals(1, sent.size(), "the other source's alarm keeps its entity: " + sent);
    assertEquals("homeassistant/binary_sensor/gw-1/alarm_far/config", sent.get(0).topic());
    assertTrue(!sent.get(0).payload().isEmpty());
  }
}
