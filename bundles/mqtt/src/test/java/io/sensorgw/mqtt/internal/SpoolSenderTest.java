package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The send window, generations, rewinds, ack-to-commit and dead-lettering of {@link SpoolSender},
 * against a real {@link Spool} and a fake client that records what it is handed and acknowledges
 * when the test says so. The test thread runs the sender's rounds itself ({@code sendOnce}), so
 * every step is deterministic.
 */
class SpoolSenderTest {
  private static final int WINDOW = 3;

  @TempDir Path dir;
  private Spool spool;
  private final FakeClient client = new FakeClient();
  private final Incidents incidents = new Incidents();
  private SpoolSender sender;

  /** What the sender handed over, in order, and what it should refuse or fail. */
  private static final class FakeClient implements BrokerClient {
    final List<String> topics = new ArrayList<>();
    final List<Delivery> deliveries = new ArrayList<>();
    final Set<String> refused = new HashSet<>();
    final Set<String> failOnce = new HashSet<>();

    @Override
    public synchronized void publish(
        String topic, byte[] payload, int qos, boolean retain, Delivery delivery)
        throws MqttException {
      if (refused.contains(topic)) throw new IllegalArgumentException("refused " + topic);
      if (failOnce.remove(topic)) throw new MqttException(MqttException.REASON_CODE_CLIENT_TIMEOUT);
      topics.add(topic);
      deliveries.add(delivery);
    }

    synchronized List<String> sent() {
      return List.copyOf(topics);
    }

    synchronized void ack(int index) {
      deliveries.get(index).acknowledged();
    }
  }

  @BeforeEach
  void open() throws Exception {
    spool = new Spool(dir, 1 << 20, Duration.ofDays(1), Clock.systemUTC());
    for (int i = 0; i < 10; i++)
      spool.append("t/" + i, ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false);
    sender = new SpoolSender(client, WINDOW, incidents);
    sender.open(spool);
  }

  @AfterEach
  void close() throws Exception {
    spool.close();
  }

  /** Rounds that each must hand one message over (the window has room, the spool has one). */
  private void send(int messages) throws Exception {
    int before = client.sent().size();
    for (int i = 0; i < messages; i++) sender.sendOnce();
    assertEquals(before + messages, client.sent().size(), "messages handed over: " + client.sent());
  }

  /** Where message {@code index} ends in the spool: the commit after acknowledging up to it. */
  private Spool.Position end(int index) throws Exception {
    Spool.Position at = new Spool.Position(0, 0);
    for (int i = 0; i <= index; i++) at = spool.next(at, Duration.ZERO).next();
    return at;
  }

  @Test
  void nothingIsSentBeforeTheConnection() throws Exception {
    sender.sendOnce();
    assertEquals(List.of(), client.sent());
    assertFalse(sender.isConnected());
  }

  @Test
  void theWindowFillsAndStopsUntilAnAcknowledgementMakesRoom() throws Exception {
    sender.connected();
    send(WINDOW);
    assertEquals(List.of("t/0", "t/1", "t/2"), client.sent());
    assertEquals(WINDOW, sender.inFlight());

    sender.sendOnce(); // a full window: it waits, hands nothing over
    assertEquals(WINDOW, client.sent().size());

    client.ack(0);
    assertEquals(WINDOW - 1, sender.inFlight());
    assertEquals(end(0), spool.committed());
    send(1);
    assertEquals("t/3", client.sent().get(3));
    assertEquals(4, sender.published());
  }

  @Test
  void acknowledgementsOutOfOrderCommitOnlyTheDonePrefix() throws Exception {
    Spool.Position start = spool.committed();
    sender.connected();
    send(WINDOW);

    client.ack(2);
    client.ack(1);
    assertEquals(start, spool.committed(), "the first is not acknowledged: nothing is committed");
    assertEquals(10, spool.pending());
    assertEquals(WINDOW, sender.inFlight());

    client.ack(0);
    assertEquals(end(2), spool.committed(), "all three are committed at once");
    assertEquals(7, spool.pending());
    assertEquals(0, sender.inFlight());
    assertEquals(3, sender.acknowledged());
  }

  @Test
  void aLostConnectionRewindsToTheFirstUnacknowledgedMessage() throws Exception {
    sender.connected();
    send(WINDOW);
    client.ack(0);
    client.ack(2); // out of order: t/2 is not committed while t/1 is not

    sender.connectionLost();
    assertFalse(sender.isConnected());
    assertEquals(0, sender.inFlight());
    sender.sendOnce(); // not connected: nothing goes
    assertEquals(3, client.sent().size());

    sender.connected();
    send(WINDOW);
    assertEquals(List.of("t/0", "t/1", "t/2", "t/1", "t/2", "t/3"), client.sent());
    assertEquals(end(0), spool.committed());
  }

  @Test
  void acknowledgementsOfAnOlderGenerationAreIgnored() throws Exception {
    Spool.Position start = spool.committed();
    sender.connected();
    send(2);
    sender.connectionLost();
    sender.connected();

    client.ack(0); // acknowledgements of the lost connection's messages, arriving late
    client.ack(1);
    assertEquals(start, spool.committed(), "nothing is committed by them");
    assertEquals(10, spool.pending());

    send(1);
    assertEquals("t/0", client.sent().get(2), "sent again in the new generation");
    client.ack(2);
    assertEquals(end(0), spool.committed());
    assertEquals(9, spool.pending());
  }

  @Test
  void aMessageLostWithEveryConnectionIsSetAsideAfterProbing() throws Exception {
    // The broker closes the connection whenever t/0 reaches it: nothing is ever acknowledged.
    for (int loss = 1; loss <= SpoolSender.LOSSES_BEFORE_PROBING; loss++) {
      sender.connected();
      send(WINDOW);
      sender.connectionLost();
      assertEquals(
          loss == SpoolSender.LOSSES_BEFORE_PROBING, sender.probing(), "probing after " + loss);
    }
    sender.connected();
    send(1); // probing: one at a time
    assertEquals("t/0", client.sent().get(client.sent().size() - 1));
    sender.sendOnce(); // the window of one is full
    assertEquals(2 * WINDOW + 1, client.sent().size());
    sender.connectionLost(); // lost again with only t/0 in flight: it is the cause
    assertEquals(0, sender.deadLetters(), "set aside when the next connection reaches it");

    int before = client.sent().size();
    sender.connected();
    sender.sendOnce(); // t/0 is set aside, not sent
    assertEquals(before, client.sent().size());
    assertEquals(1, sender.deadLetters());
    assertEquals(end(0), spool.committed(), "committed as if acknowledged");
    assertEquals(9, spool.pending());
    assertTrue(incidents.dropCause().contains("set aside"), incidents.dropCause());
    assertFalse(sender.probing(), "the broker took something: the full window again");

    send(WINDOW);
    assertEquals(List.of("t/1", "t/2", "t/3"), client.sent().subList(before, before + WINDOW));
  }

  @Test
  void aLostConnectionAfterAnAcknowledgementIsNotTheHeadsFault() throws Exception {
    for (int loss = 0; loss < 2 * SpoolSender.LOSSES_BEFORE_PROBING; loss++) {
      sender.connected();
      send(WINDOW);
      client.ack(client.sent().size() - WINDOW); // the broker takes messages
      sender.connectionLost();
      assertFalse(sender.probing());
    }
    assertEquals(0, sender.deadLetters());
  }

  @Test
  void aMessageTheClientRefusesIsSetAsideOnceAndTheOnesBehindItGoOn() throws Exception {
    client.refused.add("t/1");
    sender.connected();
    send(1); // t/0
    sender.sendOnce(); // t/1: refused, set aside (its commit waits for t/0)
    send(1); // t/2
    assertEquals(List.of("t/0", "t/2"), client.sent());
    assertEquals(1, sender.deadLetters());

    sender.connectionLost(); // t/1 is read and refused again: counted once
    sender.connected();
    send(1);
    sender.sendOnce();
    send(1);
    assertEquals(1, sender.deadLetters());
    assertEquals(List.of("t/0", "t/2", "t/0", "t/2"), client.sent());
    client.ack(2);
    client.ack(3);
    assertEquals(end(2), spool.committed(), "t/1 committed with the ones around it");
    assertEquals(7, spool.pending());
  }

  @Test
  void aMessageNotTakenNowIsSentAgainFromThere() throws Exception {
    client.failOnce.add("t/1");
    sender.connected();
    send(1);
    sender.sendOnce(); // t/1 fails (a timeout, too many in flight): not in the window
    assertEquals(1, sender.inFlight());
    send(2);
    assertEquals(List.of("t/0", "t/1", "t/2"), client.sent());
    assertEquals(0, sender.deadLetters());
  }

  @Test
  void theThreadSendsWhatIsSpooledAndStops() throws Exception {
    sender.connected();
    sender.start();
    try {
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      int acked = 0;
      while (spool.pending() > 0 && System.nanoTime() < deadline) {
        synchronized (client) {
          while (acked < client.deliveries.size()) client.ack(acked++);
        }
        LockSupport.parkNanos(1_000_000); // a deadline, not a guess: it goes round until done
      }
      assertEquals(0, spool.pending());
      assertEquals(10, sender.acknowledged());
      assertTrue(sender.threadRunning());
    } finally {
      sender.stop();
    }
    assertFalse(sender.threadRunning());
  }
}
