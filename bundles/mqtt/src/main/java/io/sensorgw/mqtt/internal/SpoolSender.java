package io.sensorgw.mqtt.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the {@link Spool} in order through a {@link BrokerClient} and commits what the broker
 * acknowledged. Up to max in flight are sent at a time (the send window); acknowledgements commit
 * the prefix of the window that is done, so an acknowledgement out of order waits for the ones
 * before it. A connection made or lost rewinds to the last commit with a new generation:
 * acknowledgements of an older generation no longer count (what they acknowledged is sent again).
 *
 * <p>Head-of-line isolation: a message the broker will not take (larger than its max_packet_size,
 * say) makes it close the connection, and it would be sent again forever. After {@link
 * #LOSSES_BEFORE_PROBING} connections lost with something sent and nothing acknowledged, messages
 * go one at a time; if the connection is lost again with only the oldest in flight, that message is
 * set aside (counted in deadLetters) when the next connection reaches it.
 *
 * <p>Locking: the window is guarded by {@code inFlight}, which the client's callbacks (connection
 * made or lost, acknowledgements) take; so nothing here calls the client while holding it.
 */
final class SpoolSender {
  private static final Logger LOG = LoggerFactory.getLogger(MqttTelemetry.class);

  static final int LOSSES_BEFORE_PROBING = 2;

  private final BrokerClient client;
  private final int maxInflight;
  private final Incidents incidents;

  private volatile Spool spool; // null until it could be opened
  private volatile Thread thread;
  private volatile boolean running = true;

  // The send window, guarded by itself.
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  private long generation;
  private boolean connected;
  private Spool.Position readFrom = new Spool.Position(0, 0);

  /** The end of the last message set aside, so a resend after a rewind does not count it twice. */
  private Spool.Position setAsideUpTo = new Spool.Position(0, 0);

  // Head-of-line isolation (guarded by inFlight).
  private boolean sentSinceConnect;
  private boolean ackedSinceConnect;
  private int lossesWithoutProgress;
  private boolean probing;
  private Spool.Position poisonAt;

  // State, for health; the clocks are System.nanoTime().
  private volatile long beatNanos = System.nanoTime();
  private volatile long progressNanos = System.nanoTime();
  private volatile long failureNanos;
  private volatile String failure = "";

  private final AtomicLong published = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong setAside = new AtomicLong();
  private final AtomicLong spoolErrors = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  /** A message handed to the client (or set aside) and not yet committed. */
  private final class InFlight implements BrokerClient.Delivery {
    final long generation;
    final Spool.Position next;
    boolean acked; // guarded by inFlight

    InFlight(long generation, Spool.Position next) {
      this.generation = generation;
      this.next = next;
    }

    /** Broker acknowledgements (QoS 1/2) or writes (QoS 0): commit the acknowledged prefix. */
    @Override
    public void acknowledged() {
      acknowledged.incrementAndGet();
      complete(this);
    }
  }

  SpoolSender(BrokerClient client, int maxInflight, Incidents incidents) {
    this.client = client;
    this.maxInflight = maxInflight;
    this.incidents = incidents;
  }

  /** The spool could be opened: sending starts at its last commit. */
  void open(Spool opened) {
    synchronized (inFlight) {
      readFrom = opened.committed();
      spool = opened;
      inFlight.notifyAll();
    }
  }

  // --- The connection, told by the client's callbacks ---

  /** Connected: everything not acknowledged is sent again, in a new generation. */
  void connected() {
    synchronized (inFlight) {
      connected = true;
      sentSinceConnect = false;
      ackedSinceConnect = false;
      rewind();
    }
    progressNanos = System.nanoTime();
  }

  /** The connection is lost: acknowledgements of what was in flight will not come. */
  void connectionLost() {
    boolean isolated;
    synchronized (inFlight) {
      isolated = isolateHeadOfLine();
      connected = false;
      rewind();
    }
    if (isolated) {
      LOG.warn(
          "MQTT: the broker closed the connection while only the oldest spooled message was in flight, "
              + "{} times without acknowledging anything: it is set aside when the connection is back",
          LOSSES_BEFORE_PROBING + 1);
    }
  }

  /** Back to the last commit in a new generation (holds inFlight). */
  private void rewind() {
    generation++;
    inFlight.clear();
    if (spool != null) readFrom = spool.committed(); // resend what was not acknowledged
    inFlight.notifyAll();
  }

  /**
   * Called as the connection is lost (holds inFlight): counts losses without progress, starts
   * probing, and names the oldest message as the cause when it was in flight alone. Returns whether
   * it did.
   */
  private boolean isolateHeadOfLine() {
    if (!sentSinceConnect || ackedSinceConnect || spool == null) {
      lossesWithoutProgress = 0;
      probing = false;
      return false;
    }
    lossesWithoutProgress++;
    boolean alone = probing && inFlight.size() == 1 && !inFlight.peekFirst().acked;
    probing = lossesWithoutProgress >= LOSSES_BEFORE_PROBING;
    if (alone && lossesWithoutProgress > LOSSES_BEFORE_PROBING) {
      poisonAt = spool.committed();
      return true;
    }
    return false;
  }

  // --- The thread ---

  void start() {
    Thread started = new Thread(this::sendLoop, "sensorgw-mqtt-sender");
    started.setDaemon(true);
    started.setUncaughtExceptionHandler((dead, e) -> LOG.error("MQTT: {} died", dead.getName(), e));
    beatNanos = System.nanoTime();
    thread = started;
    started.start();
  }

  /** The housekeeping's watch: a sender thread that ended is started again. */
  void restartIfDead() {
    Thread current = thread;
    if (running && current != null && !current.isAlive()) {
      failures.incrementAndGet();
      LOG.error("MQTT: the sender thread ended; starting it again");
      start();
    }
  }

  /**
   * Waits until the window and the spool are empty, the connection is lost or the deadline (a
   * System.nanoTime()) passes: what is in flight at a stop gets its chance to be acknowledged.
   */
  void awaitDrained(long deadlineNanos) {
    synchronized (inFlight) {
      while (connected
          && System.nanoTime() < deadlineNanos
          && (!inFlight.isEmpty() || pending() > 0)) {
        try {
          inFlight.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
  }

  /** Stops the thread (what is not acknowledged stays in the spool). */
  void stop() {
    running = false;
    Thread current = thread;
    if (current != null) {
      current.interrupt();
      try {
        current.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The sender thread: the spool in order, up to max in flight at a time. An unexpected exception
   * is logged and the loop goes on from the last acknowledged message (resending is safe; dying
   * would stop telemetry for good), backing off while it repeats.
   */
  private void sendLoop() {
    long backoffMs = 50;
    while (running) {
      try {
        beatNanos = System.nanoTime();
        sendOnce();
        backoffMs = 50;
      } catch (InterruptedException e) {
        if (!running) return;
      } catch (RuntimeException e) {
        failures.incrementAndGet();
        failure = e.toString();
        failureNanos = System.nanoTime();
        if (incidents.firstOf("sender " + e)) {
          LOG.error("MQTT: the sender failed; it goes on from the last acknowledged message", e);
        }
        synchronized (inFlight) {
          generation++; // acknowledgements of what was in flight no longer count: it is sent again
          inFlight.clear();
          if (spool != null) readFrom = spool.committed();
        }
        pause(backoffMs);
        backoffMs = Math.min(5000, backoffMs * 2);
      }
    }
  }

  /**
   * One round: sends the next spooled message if the window has room (else waits up to 500 ms for a
   * change), or waits up to 500 ms for one to be spooled.
   */
  void sendOnce() throws InterruptedException {
    long sendGeneration;
    Spool.Position from;
    Spool current;
    synchronized (inFlight) {
      current = spool;
      if (current == null || !connected || inFlight.size() >= (probing ? 1 : maxInflight)) {
        inFlight.wait(500);
        return;
      }
      sendGeneration = generation;
      from = readFrom;
    }
    if (current.pending() == 0) progressNanos = System.nanoTime(); // idle is not stuck
    Spool.Message message;
    try {
      message = current.next(from, Duration.ofMillis(500));
    } catch (IOException e) {
      if (!running) return; // an interrupt at stop closes the channel
      spoolErrors.incrementAndGet();
      if (incidents.firstOf("spool read " + e))
        LOG.warn("MQTT: reading the spool failed: {}", e.toString());
      pause(50);
      return;
    }
    if (message == null) return;
    InFlight entry = new InFlight(sendGeneration, message.next());
    boolean isolatedCause;
    synchronized (inFlight) {
      if (sendGeneration != generation || !connected) return; // rewound meanwhile
      inFlight.addLast(entry);
      readFrom = message.next();
      sentSinceConnect = true;
      isolatedCause = from.equals(poisonAt);
      if (isolatedCause) poisonAt = null;
    }
    if (isolatedCause) {
      setAside(
          entry,
          message,
          "the broker closed the connection each time it was sent (larger than its "
              + "max_packet_size, or refused by it)");
      return;
    }
    String problem =
        Topics.topicProblem(message.topic()); // e.g. spooled by a version that did not check
    if (problem != null) {
      setAside(entry, message, "topic " + problem);
      return;
    }
    try {
      client.publish(message.topic(), message.payload(), message.qos(), message.retain(), entry);
      published.incrementAndGet();
    } catch (
        IllegalArgumentException
            e) { // the client refuses the message itself: sending it again cannot help
      setAside(entry, message, e.getMessage());
    } catch (MqttException e) {
      synchronized (inFlight) { // not sent: send it again from here
        if (entry.generation == generation) rewindTo(from);
      }
      pause(50);
    }
  }

  /**
   * A spooled message that can never be sent: counted, logged once per cause, and committed as if
   * acknowledged, so that the ones behind it go on.
   */
  private void setAside(InFlight entry, Spool.Message message, String cause) {
    boolean first;
    synchronized (inFlight) {
      if (entry.generation != generation) return; // rewound: it is read (and set aside) again
      first = message.next().compareTo(setAsideUpTo) > 0;
      if (first) setAsideUpTo = message.next();
    }
    if (first) {
      setAside.incrementAndGet();
      String line = "set aside a spooled message that cannot be sent: " + cause;
      if (incidents.firstOf(line)) {
        LOG.warn(
            "MQTT: {} (topic '{}', spool segment {} offset {}); further ones for this cause are only counted (deadLetters)",
            line,
            Topics.shown(message.topic()),
            message.at().segment(),
            message.at().offset());
      }
      incidents.dropped(line);
    }
    complete(entry);
  }

  /** Drops in-flight entries at or after {@code from}: they are sent again from there. */
  private void rewindTo(Spool.Position from) { // holds inFlight
    inFlight.removeIf(f -> f.next.compareTo(from) > 0);
    readFrom = from;
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** An entry acknowledged (or set aside): commits the prefix of the window that is done. */
  private void complete(InFlight entry) {
    Spool.Position commit = null;
    long count = 0;
    synchronized (inFlight) {
      if (entry.generation != generation) return;
      entry.acked = true;
      while (!inFlight.isEmpty() && inFlight.peekFirst().acked) {
        commit = inFlight.pollFirst().next;
        count++;
      }
      if (count > 0) {
        ackedSinceConnect = true; // the broker takes messages: the losses were not the head's
        lossesWithoutProgress = 0;
        probing = false;
        inFlight.notifyAll();
      }
    }
    Spool current = spool;
    if (commit != null && current != null) {
      current.commit(commit, count);
      progressNanos = System.nanoTime();
    }
  }

  // --- State ---

  long pending() {
    Spool current = spool;
    return current == null ? 0 : current.pending();
  }

  /** Connected (as last told by the client's callbacks). */
  boolean isConnected() {
    synchronized (inFlight) {
      return connected;
    }
  }

  /** Messages handed to the client and not yet committed. */
  int inFlight() {
    synchronized (inFlight) {
      return inFlight.size();
    }
  }

  /** Sending one message at a time to find the one the broker will not take. */
  boolean probing() {
    synchronized (inFlight) {
      return probing;
    }
  }

  /**
   * The sender thread lives and has gone round its loop lately (each round waits at most 500 ms).
   */
  boolean threadRunning() {
    Thread current = thread;
    return current != null
        && current.isAlive()
        && System.nanoTime() - beatNanos < TimeUnit.SECONDS.toNanos(30);
  }

  /** Messages are waiting and none was committed for {@link TelemetryHealth#STUCK_AFTER}. */
  boolean stuck() {
    return pending() > 0
        && System.nanoTime() - progressNanos > TelemetryHealth.STUCK_AFTER.toNanos();
  }

  /** System.nanoTime() of the last commit (or idle round, or connection). */
  long progressNanos() {
    return progressNanos;
  }

  /** System.nanoTime() of the last unexpected failure of the thread; 0 if none. */
  long failureNanos() {
    return failureNanos;
  }

  String failure() {
    return failure;
  }

  long published() {
    return published.get();
  }

  long acknowledged() {
    return acknowledged.get();
  }

  /** Spooled messages set aside because they can never be sent. */
  long deadLetters() {
    return setAside.get();
  }

  /** Spool reads that failed. */
  long spoolErrors() {
    return spoolErrors.get();
  }

  /** The thread's unexpected failures, and its restarts after it ended. */
  long failures() {
    return failures.get();
  }
}
