package io.sensorgw.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Quality;
import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.fanout.ReadingPublisher.ListenerStats;
import io.sensorgw.testing.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadingFanOutTest {
  /** Bound of every wait: generous for a busy machine; the normal case returns at once. */
  private static final long BOUND_S = 120;

  private final ReadingFanOut fanOut = new ReadingFanOut();

  @AfterEach
  void deactivate() {
    fanOut.deactivate();
  }

  private static Reading reading(String sensor, long sequence) {
    return new Reading(
        sensor, sequence, Instant.now(), Map.of(), Quality.SIMULATED, Duration.ZERO, "");
  }

  private static Map<String, Object> props(long serviceId, Object... extra) {
    java.util.HashMap<String, Object> map = new java.util.HashMap<>();
    map.put("service.id", serviceId);
    for (int i = 0; i < extra.length; i += 2) map.put((String) extra[i], extra[i + 1]);
    return map;
  }

  @Test
  void blockedListenerDelaysNeitherThePublisherNorOtherListeners() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blockedEntered = new CountDownLatch(1);
    List<Long> blockedGot = new CopyOnWriteArrayList<>();
    List<Long> toldDropped = new CopyOnWriteArrayList<>();
    ReadingListener blocked =
        new ReadingListener() {
          @Override
          public void onReading(Reading r) {
            blockedGot.add(r.sequence());
            blockedEntered.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          public void onDropped(long count) {
            toldDropped.add(count);
          }
        };
    List<Reading> fastGot = new CopyOnWriteArrayList<>();
    fanOut.addListener(blocked, props(1, ReadingListener.QUEUE_CAPACITY, 4));
    fanOut.addListener(fastGot::add, props(2));

    fanOut.publish(reading("a", 1));
    assertTrue(blockedEntered.await(BOUND_S, TimeUnit.SECONDS));
    // The publisher returns for every reading although one listener is stuck.
    for (long seq = 2; seq <= 100; seq++) fanOut.publish(reading("a", seq));
    Await.until(() -> fastGot.size() == 100, "fast listener got all 100");
    for (int i = 0; i < 100; i++) assertEquals(i + 1, fastGot.get(i).sequence());

    ListenerStats blockedStats =
        fanOut.listenerStats().stream().filter(s -> s.capacity() == 4).findFirst().orElseThrow();
    assertEquals(4, blockedStats.queued());
    assertEquals(95, blockedStats.dropped(), "99 queued behind a stuck listener, capacity 4");
    release.countDown();
    // Released, it is told of the drop once, before the four newest readings.
    Await.until(() -> blockedGot.size() == 5, "the four newest readings after the first");
    assertEquals(List.of(95L), toldDropped);
    assertEquals(List.of(1L, 97L, 98L, 99L, 100L), blockedGot);
  }

  @Test
  void failingListenerIsCountedAndKeepsReceiving() {
    List<Long> seen = new CopyOnWriteArrayList<>();
    fanOut.addListener(
        r -> {
          seen.add(r.sequence());
          if (r.sequence() % 2 == 0) throw new IllegalStateException("even");
        },
        props(3));
    for (long seq = 1; seq <= 10; seq++) fanOut.publish(reading("a", seq));
    Await.until(() -> seen.size() == 10, "all ten delivered");
    Await.until(() -> fanOut.listenerStats().get(0).failed() == 5, "five failures counted");
    assertEquals(5, fanOut.listenerStats().get(0).delivered());
  }

  @Test
  void sensorFilterAndRemovalFreeTheThread() {
    List<Reading> got = new CopyOnWriteArrayList<>();
    ReadingListener listener = got::add;
    fanOut.addListener(listener, props(4, ReadingListener.SENSOR_FILTER, "b"));
    fanOut.publish(reading("a", 1));
    fanOut.publish(reading("b", 1));
    Await.until(() -> got.size() == 1, "one reading of sensor b");
    assertEquals("b", got.get(0).sensorId());

    fanOut.removeListener(listener);
    assertTrue(fanOut.listenerStats().isEmpty());
    Await.until(
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .noneMatch(
                    t ->
                        t.getName().endsWith("-4") && t.getName().startsWith("sensorgw-listener-")),
        "listener thread gone");
  }

  @Test
  void readingsQueuedForAListenerThatGoesAwayAreStillDeliveredBeforeRemovalReturns()
      throws Exception {
    CountDownLatch firstEntered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Long> got = new CopyOnWriteArrayList<>();
    ReadingListener reconfigured =
        reading -> {
          got.add(reading.sequence());
          if (reading.sequence() == 1) {
            firstEntered.countDown();
            try {
              release.await(BOUND_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    fanOut.addListener(reconfigured, props(6));
    fanOut.publish(reading("a", 1));
    assertTrue(firstEntered.await(BOUND_S, TimeUnit.SECONDS));
    for (long seq = 2; seq <= 50; seq++)
      fanOut.publish(reading("a", seq)); // queued behind the first
    release.countDown();
    fanOut.removeListener(reconfigured); // as when its component is reconfigured: still active now
    assertEquals(50, got.size(), "every queued reading delivered before the listener went: " + got);
    fanOut.publish(reading("a", 51));
    assertEquals(50, got.size(), "nothing after it went");
  }

  @Test
  void aListenerStuckWhenItGoesAwayIsInterruptedAndItsQueueCountedAsDropped() throws Exception {
    CountDownLatch firstEntered = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    ReadingListener stuck =
        reading -> {
          firstEntered.countDown();
          try {
            never.await(BOUND_S, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // it gives up when interrupted
          }
        };
    ListenerQueue queue = new ListenerQueue("direct", stuck, null, true, 16);
    queue.start();
    queue.offer(reading("a", 1));
    for (long seq = 2; seq <= 10; seq++) queue.offer(reading("a", seq));
    assertTrue(firstEntered.await(BOUND_S, TimeUnit.SECONDS));
    queue.close(Duration.ofMillis(200)); // not taken within the wait: interrupted
    assertEquals(9, queue.stats().dropped(), "the nine it never took counted as dropped");
    assertEquals(0, queue.stats().queued());
  }

  @Test
  void aListenerIsToldOnceWhenItHasCaughtUpWithABurst() throws Exception {
    CountDownLatch firstEntered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> calls = new CopyOnWriteArrayList<>();
    fanOut.addListener(
        new ReadingListener() {
          @Override
          public void onReading(Reading reading) {
            calls.add("reading " + reading.sequence());
            if (reading.sequence() == 1) {
              firstEntered.countDown();
              try {
                release.await(BOUND_S, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }

          @Override
          public void onCaughtUp() {
            calls.add("caught up");
          }
        },
        props(5));
    fanOut.publish(reading("a", 1));
    assertTrue(firstEntered.await(BOUND_S, TimeUnit.SECONDS));
    for (long seq = 2; seq <= 6; seq++) fanOut.publish(reading("a", seq)); // a burst queues up
    release.countDown();
    Await.until(() -> calls.contains("caught up"), "caught up");
    assertEquals(
        List.of(
            "reading 1",
            "reading 2",
            "reading 3",
            "reading 4",
            "reading 5",
            "reading 6",
            "caught up"),
        calls,
        "one flush point, after the whole burst");
  }

  /** A configured rule from metatype defaults with some overrides (method names as keys). */
  private static ConfiguredReportingRule rule(Object... overrides) {
    Map<String, Object> values = new java.util.HashMap<>();
    for (int i = 0; i < overrides.length; i += 2)
      values.put((String) overrides[i], overrides[i + 1]);
    ReportingRuleConfig config =
        (ReportingRuleConfig)
            java.lang.reflect.Proxy.newProxyInstance(
                ReportingRuleConfig.class.getClassLoader(),
                new Class<?>[] {ReportingRuleConfig.class},
                (proxy, method, args) ->
                    values.containsKey(method.getName())
                        ? values.get(method.getName())
                        : method.getDefaultValue());
    return new ConfiguredReportingRule(config, Map.of());
  }

  private static Reading distance(long sequence, double cm) {
    return new Reading(
        "lidar",
        sequence,
        Instant.EPOCH.plusMillis(sequence * 10),
        Map.of("distance", io.sensorgw.api.Value.of(cm, "cm")),
        Quality.SIMULATED,
        Duration.ZERO,
        "");
  }

  @Test
  void reportedListenersGetWhatTheRulesPassAndRawListenersGetEveryReading() {
    List<Long> reported = new CopyOnWriteArrayList<>();
    List<Long> raw = new CopyOnWriteArrayList<>();
    List<Long> otherSensor = new CopyOnWriteArrayList<>();
    fanOut.addListener(
        r -> {
          if (r.sensorId().equals("lidar")) reported.add(r.sequence());
          else otherSensor.add(r.sequence());
        },
        props(1));
    fanOut.addListener(
        r -> raw.add(r.sequence()),
        props(2, ReadingListener.REPORTED, "false", ReadingListener.SENSOR_FILTER, "lidar"));
    fanOut.addRule(rule("sensor", "lidar", "value", "distance", "deadband", 5.0));

    double[] cm = {100, 102, 104, 105, 108, 107, 99};
    for (int i = 0; i < cm.length; i++) fanOut.publish(distance(i + 1, cm[i]));
    fanOut.publish(reading("imu", 1));
    Await.until(
        () -> raw.size() == cm.length && reported.size() == 3 && otherSensor.size() == 1,
        "deliveries");
    assertEquals(List.of(1L, 4L, 7L), reported, "100, then 105 (5 from 100), then 99 (6 from 105)");
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), raw);
    Map<String, Number> metrics = fanOut.metrics();
    assertEquals(1, metrics.get("rules").intValue());
    assertEquals(4, metrics.get("held").intValue());
  }

  @Test
  void aBadRuleIsCountedAndNotApplied() {
    ConfiguredReportingRule bad =
        rule("sensor", "lidar", "window_aggregate", "mean", "deadband", -1.0);
    assertEquals(
        List.of(
            "deadband must be a finite number in 0..1000000000000, was -1",
            "window.aggregate=mean needs window.count or window.ms"),
        bad.problems());
    List<Long> reported = new CopyOnWriteArrayList<>();
    fanOut.addListener(r -> reported.add(r.sequence()), props(1));
    fanOut.addRule(bad);
    for (int i = 1; i <= 3; i++) fanOut.publish(distance(i, 100));
    Await.until(() -> reported.size() == 3, "every reading, the rule not applied");
    assertEquals(1, fanOut.metrics().get("rulesInError").intValue());
    fanOut.removeRule(bad);
    assertEquals(0, fanOut.metrics().get("rulesInError").intValue());
  }

  @Test
  void anUnknownReportOrAggregateIsAProblemListingTheAllowedValues() {
    ConfiguredReportingRule bad =
        rule("sensor", "lidar", "report", "on-change", "window_aggregate", "average");
    assertEquals(
        List.of(
            "report must be on.change or always, was \"on-change\"",
            "window.aggregate must be none, mean, median, min or max, was \"average\""),
        bad.problems());
    assertNull(bad.rule(), "not applied");
  }

  @Test
  void theRawOrReportedChoiceIsReadInAnyCaseAndAnythingElseMeansReported() {
    assertFalse(ReadingFanOut.reported(Map.of(ReadingListener.REPORTED, "false")));
    assertFalse(ReadingFanOut.reported(Map.of(ReadingListener.REPORTED, " FALSE ")));
    assertFalse(ReadingFanOut.reported(Map.of(ReadingListener.REPORTED, Boolean.FALSE)));
    assertTrue(ReadingFanOut.reported(Map.of(ReadingListener.REPORTED, "True")));
    assertTrue(
        ReadingFanOut.reported(Map.of(ReadingListener.REPORTED, "no")),
        "not a boolean: warned, reported");
    assertTrue(ReadingFanOut.reported(Map.of()));
  }
}
