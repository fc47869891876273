package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.mqtt.internal.MqttSettings.Part;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The fixed rules of commands: denied keys, topic shapes, ids, the allow-list setting, the bucket.
 */
class CommandRulesTest {
  @Test
  void secretsAndProgramsAreNeverSettable() {
    for (String key :
        new String[] {
          ".password",
          ".token",
          "password",
          "mqtt.Password",
          "api.secret",
          "still.command",
          "still.arguments",
          "stream.command",
          "stream.arguments",
          "service.pid",
          "felix.fileinstall.filename"
        }) {
      assertNotNull(CommandRules.deniedKey(key), key);
    }
    for (String key :
        new String[] {"max.age.ms", "publish.interval.ms", "output.rate.hz", "batch.size"}) {
      assertNull(CommandRules.deniedKey(key), key);
    }
  }

  @Test
  void theAllowListCannotAllowADeniedKey() {
    MqttSettings settings =
        new MqttSettings(
            TestConfig.of(
                "commands.config.allow="
                    + "io.sensorgw.device.imx477-cam:still.command,io.sensorgw.store:batch.size"),
            () -> "host");
    assertEquals(Map.of("io.sensorgw.store", Set.of("batch.size")), settings.configAllowed);
    assertTrue(settings.stops(Part.COMMANDS));
    assertFalse(settings.stops(Part.READINGS));
    assertEquals(
        "commands.config.allow: 'io.sensorgw.device.imx477-cam:still.command' names a program to run",
        settings.problems().get(0));
    MqttSettings junk =
        new MqttSettings(TestConfig.of("commands.config.allow=nokey"), () -> "host");
    assertEquals("commands.config.allow: 'nokey' is not pid:key", junk.problems().get(0));
    assertEquals(
        Map.of(),
        new MqttSettings(TestConfig.of(), () -> "host").configAllowed,
        "default: nothing allowed");
    assertFalse(
        new MqttSettings(TestConfig.of(), () -> "host").commandsEnabled, "default: commands off");
  }

  @Test
  void onlyTheTwoCommandShapesAreCommands() {
    assertEquals(
        new CommandRules.Target("tfluna-1", "read"),
        CommandRules.target("p/gw", "p/gw/tfluna-1/cmd/read"));
    assertEquals(
        new CommandRules.Target(null, "config"), CommandRules.target("p/gw", "p/gw/cmd/config"));
    assertTrue(CommandRules.target("p/gw", "p/gw/cmd/config").config());
    assertNull(CommandRules.target("p/gw", "p/gw/a/b/cmd/read"));
    assertNull(CommandRules.target("p/gw", "p/gw/tfluna-1/cmd/read/extra"));
    assertNull(CommandRules.target("p/gw", "p/gw/tfluna-1/cmd/"));
    assertNull(CommandRules.target("p/gw", "p/gw/cmd"));
    assertNull(CommandRules.target("p/gw", "other/tfluna-1/cmd/read"));
    assertTrue(CommandRules.isResult("p/gw/tfluna-1/cmd/read/result"));
  }

  @Test
  void anIdIsShortAndPrintable() {
    assertNull(CommandRules.idProblem("a-1"));
    assertNotNull(CommandRules.idProblem(""));
    assertNotNull(CommandRules.idProblem("x".repeat(65)));
    assertNotNull(CommandRules.idProblem("a\nb"));
  }

  @Test
  void theBucketTakesABurstThenItsRate() {
    AtomicLong now = new AtomicLong();
    TokenBucket bucket = new TokenBucket(2, 3, now::get);
    assertTrue(bucket.tryTake());
    assertTrue(bucket.tryTake());
    assertTrue(bucket.tryTake());
    assertFalse(bucket.tryTake(), "the burst is spent");
    now.addAndGet(499_000_000);
    assertFalse(bucket.tryTake(), "not a whole token yet");
    now.addAndGet(1_000_000);
    assertTrue(bucket.tryTake(), "one token per 500 ms");
    assertFalse(bucket.tryTake());
    now.addAndGet(10_000_000_000L);
    for (int i = 0; i < 3; i++) assertTrue(bucket.tryTake());
    assertFalse(bucket.tryTake(), "never more than the burst");
  }
}
