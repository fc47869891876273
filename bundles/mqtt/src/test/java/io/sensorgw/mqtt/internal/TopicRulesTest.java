package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.mqtt.internal.MqttSettings.Part;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Topic names, prefixes and every other setting, checked when configured. */
class TopicRulesTest {
  @Test
  void aTopicNameFollowsMqttAndWhatMosquittoAccepts() {
    assertNull(Topics.topicProblem("sensorgw/gw-1/tfluna-1/reading"));
    assertNull(Topics.topicProblem("a//b"), "an empty level is a legal topic name");
    assertNull(
        Topics.topicProblem("größe/°C/\uD83D\uDE00"), "any UTF-8, a paired surrogate included");
    assertEquals("is empty", Topics.topicProblem(""));
    assertTrue(Topics.topicProblem("ha/#/sensor").contains("wildcard '#'"));
    assertTrue(Topics.topicProblem("a/+/b").contains("wildcard '+'"));
    assertEquals("contains U+0000", Topics.topicProblem("a\u0000b"));
    assertTrue(Topics.topicProblem("a\nb").contains("control character U+000A"));
    assertTrue(Topics.topicProblem("a\u0085b").contains("control character"));
    assertTrue(Topics.topicProblem("a\uD800b").contains("unpaired surrogate"));
    assertTrue(Topics.topicProblem("$SYS/x").contains("reserved"));
    assertNull(Topics.topicProblem("x".repeat(65_535)));
    assertEquals(
        "is 65536 bytes of UTF-8 (at most 65535)", Topics.topicProblem("x".repeat(65_536)));
    assertTrue(
        Topics.topicProblem("é".repeat(40_000)).contains("80000 bytes"), "bytes, not characters");
  }

  @Test
  void aPrefixHasNoEmptyLevelAndMayEndInOneSlash() {
    assertNull(Topics.prefixProblem("homeassistant"));
    assertNull(Topics.prefixProblem("site/a/"));
    assertEquals("has an empty topic level", Topics.prefixProblem("/site"));
    assertEquals("has an empty topic level", Topics.prefixProblem("site//a"));
    assertEquals("has an empty topic level", Topics.prefixProblem("/"));
    assertTrue(Topics.prefixProblem("ha/#").contains("wildcard"));
  }

  @Test
  void theDefaultsAreGood() {
    MqttSettings settings = new MqttSettings(TestConfig.of(), () -> "host");
    assertEquals(List.of(), settings.problems());
    assertEquals("sensorgw/host", settings.prefix);
    assertEquals(500, settings.reconnectMinMs);
    assertEquals(30_000, settings.reconnectMaxMs);
  }

  private static MqttSettings settings(String... lines) {
    return new MqttSettings(TestConfig.of(lines), () -> "host");
  }

  private static void assertOneProblem(MqttSettings settings, Part stops, String expected) {
    assertEquals(1, settings.problems().size(), settings.problems().toString());
    assertEquals(expected, settings.problems().get(0));
    for (Part part : Part.values())
      assertEquals(part == stops, settings.stops(part), part.toString());
  }

  @Test
  void aWildcardInTheHomeAssistantPrefixStopsOnlyDiscovery() {
    assertOneProblem(
        settings("homeassistant.prefix=ha/#", "homeassistant.discovery=true"),
        Part.DISCOVERY,
        "homeassistant.prefix='ha/#' contains the wildcard '#' (only subscriptions may)");
  }

  @Test
  void aBadTopicPrefixStopsReadings() {
    assertOneProblem(
        settings("topic.prefix=plant//line-1"),
        Part.READINGS,
        "topic.prefix='plant//line-1' has an empty topic level");
    assertOneProblem(
        settings("topic.prefix=a/+"),
        Part.READINGS,
        "topic.prefix='a/+' contains the wildcard '+' (only subscriptions may)");
    assertOneProblem(
        settings("topic.prefix=$SYS/gw"),
        Part.READINGS,
        "topic.prefix='$SYS/gw' starts with '$' (reserved for the broker)");
    assertOneProblem(
        settings("topic.prefix=a\u0000b"),
        Part.READINGS,
        "topic.prefix='a\\u0000b' contains U+0000");
    MqttSettings tooLong = settings("gateway.id=" + "g".repeat(70_000));
    assertTrue(tooLong.stops(Part.READINGS));
    assertTrue(tooLong.problems().get(0).startsWith("gateway.id='ggg"), tooLong.problems().get(0));
    assertTrue(
        tooLong.problems().get(0).endsWith("bytes of UTF-8 (at most 65535)"), "shown bounded");
    assertTrue(tooLong.problems().get(0).length() < 200, "one short line");
  }

  @Test
  void reconnectSettingsHaveRanges() {
    assertOneProblem(
        settings("reconnect.min.ms=0"),
        Part.CONNECTION,
        "reconnect.min.ms=0 is out of range (100..600000)");
    assertOneProblem(
        settings("reconnect.min.ms=-1"),
        Part.CONNECTION,
        "reconnect.min.ms=-1 is out of range (100..600000)");
    assertOneProblem(
        settings("reconnect.min.ms=700000", "reconnect.max.ms=800000"),
        Part.CONNECTION,
        "reconnect.min.ms=700000 is out of range (100..600000)");
    assertOneProblem(
        settings("reconnect.min.ms=5000", "reconnect.max.ms=1000"),
        Part.CONNECTION,
        "reconnect.max.ms=1000 is below reconnect.min.ms=5000 (must be reconnect.min.ms..3600000)");
    assertOneProblem(
        settings("reconnect.max.ms=3600001"),
        Part.CONNECTION,
        "reconnect.max.ms=3600001 is out of range (500..3600000)");
    MqttSettings edges = settings("reconnect.min.ms=100", "reconnect.max.ms=100");
    assertEquals(List.of(), edges.problems());
    assertEquals(100, edges.reconnectMaxMs);
    assertEquals(
        List.of(), settings("reconnect.min.ms=600000", "reconnect.max.ms=3600000").problems());
  }

  @Test
  void otherRangesAndFormats() {
    assertOneProblem(settings("qos=3"), Part.READINGS, "qos=3 is out of range (0..2)");
    assertOneProblem(
        settings("qos.per.sensor=imu=0, lidar=5"),
        Part.READINGS,
        "qos.per.sensor: lidar=5 is out of range (0..2)");
    assertOneProblem(
        settings("publish.interval.per.sensor=imu"),
        Part.READINGS,
        "publish.interval.per.sensor: 'imu' is not sensor-id=number");
    assertOneProblem(
        settings("spool.max.mb=0"), Part.READINGS, "spool.max.mb=0 is out of range (1..1048576)");
    assertOneProblem(
        settings("spool.max.age.h=-5"),
        Part.READINGS,
        "spool.max.age.h=-5 is out of range (1..87600)");
    assertOneProblem(
        settings("keep.alive.s=0"), Part.CONNECTION, "keep.alive.s=0 is out of range (1..65535)");
    assertOneProblem(
        settings("max.inflight=70000"),
        Part.CONNECTION,
        "max.inflight=70000 is out of range (1..65535)");
    assertOneProblem(
        settings("flush.timeout.ms=-1"),
        Part.CONNECTION,
        "flush.timeout.ms=-1 is out of range (0..60000)");
    assertOneProblem(
        settings("broker.uris=mqtt://host:1883"),
        Part.CONNECTION,
        "broker.uris: 'mqtt://host:1883' is not tcp://, ssl://, ws:// or wss://");
    assertOneProblem(
        settings("broker.uris= "),
        Part.CONNECTION,
        "broker.uris is empty (tcp://host:1883 or ssl://host:8883)");
    assertOneProblem(
        settings("tls.cert.file=/etc/hostname"),
        Part.CONNECTION,
        "tls.cert.file and tls.key.file go together (one is empty)");
    assertOneProblem(
        settings("client.id=g\u0007w"),
        Part.CONNECTION,
        "client.id='g\\u0007w' contains the control character U+0007");
    MqttSettings nul = settings("spool.dir=data/a\u0000b");
    assertTrue(nul.stops(Part.READINGS));
    assertTrue(
        nul.problems().get(0).startsWith("spool.dir='data/a\\u0000b' is not a path"),
        nul.problems().toString());
    MqttSettings secret = settings(".password=" + "p".repeat(70_000));
    assertEquals(
        List.of(".password is longer than 65535 bytes"),
        secret.problems(),
        "the value is never shown");
  }

  @Test
  void everyBadSettingIsListedInOrder() {
    MqttSettings settings = settings("reconnect.min.ms=0", "homeassistant.prefix=ha/#", "qos=7");
    assertEquals(3, settings.problems().size(), settings.problems().toString());
    assertTrue(
        settings.stops(Part.READINGS)
            && settings.stops(Part.CONNECTION)
            && settings.stops(Part.DISCOVERY));
  }
}
