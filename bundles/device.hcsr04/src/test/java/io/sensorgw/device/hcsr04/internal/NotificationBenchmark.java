package io.sensorgw.device.hcsr04.internal;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Notification-to-reading latency and the highest notification rate handled without loss, through
 * the driver's D-Bus side (BleBridge and the payload decoding) on the emulated BlueZ of
 * runtime/test-tools/ble-mock. The time runs from the command to the emulator to the decoded
 * distance, so it includes the emulator's own work. Prints figures; asserts nothing.
 */
public final class NotificationBenchmark {
  private static final String ADDRESS = "24:0A:C4:12:34:56";

  public static void main(String[] args) throws Exception {
    Process bluez =
        new ProcessBuilder("/usr/bin/python3", args[0], ADDRESS)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    BufferedReader replies =
        new BufferedReader(new InputStreamReader(bluez.getInputStream(), StandardCharsets.UTF_8));
    Writer commands = new OutputStreamWriter(bluez.getOutputStream(), StandardCharsets.UTF_8);
    String[] ready = replies.readLine().split(" ");
    Thread drain = new Thread(() -> replies.lines().forEach(line -> {}), "replies");
    drain.setDaemon(true);
    drain.start();
    Payload payload = new Payload("uint16le-mm", 20);
    ConcurrentHashMap<Integer, Long> sent = new ConcurrentHashMap<>();
    AtomicLong received = new AtomicLong();
    long[] latencies = new long[1_000_000];
    AtomicLong latencyCount = new AtomicLong();
    try (BleBridge bridge =
        new BleBridge(
            ready[1],
            "hci0",
            ADDRESS,
            "",
            "4fafc201-1fb5-459e-8fcc-c5c9c331914b",
            "beb5483e-36e1-4688-b7f5-ea07361b26a8")) {
      bridge.start(
          value -> {
            long now = System.nanoTime();
            try {
              int key =
                  (int)
                      Math.round(
                          payload.centimetres(value) * 10); // the payload is the sequence number
              Long at = sent.remove(key);
              if (at != null)
                latencies[(int) (latencyCount.getAndIncrement() % latencies.length)] = now - at;
            } catch (Payload.Malformed e) {
              throw new IllegalStateException(e);
            }
            received.incrementAndGet();
          });
      int sequence = 1;
      // Latency at a steady 100 notifications/s (a fast bridge; the HC-SR04 itself does ~15).
      sequence = send(commands, sent, sequence, 100, 20);
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
      long[] sample =
          Arrays.copyOf(latencies, (int) Math.min(latencyCount.get(), latencies.length));
      Arrays.sort(sample);
      System.out.printf(
          "notification to reading at 100/s: %d received of 2000, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
          received.get(),
          sample[sample.length / 2] / 1e6,
          sample[(int) (sample.length * 0.99)] / 1e6,
          sample[sample.length - 1] / 1e6);
      // Highest rate without loss.
      for (int rate : new int[] {200, 500, 1000, 2000, 4000}) {
        long before = received.get();
        int first = sequence;
        sequence = send(commands, sent, sequence, rate, 3);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (received.get() - before < sequence - first && System.nanoTime() < deadline) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        long got = received.get() - before;
        System.out.printf(
            "offered %d notifications/s for 3 s: %d of %d received (%s)%n",
            rate,
            got,
            sequence - first,
            got == sequence - first ? "no loss" : (sequence - first - got) + " lost");
        if (sequence > 60_000) sequence = 1; // stays within uint16 millimetres
      }
    } finally {
      commands.write("quit\n");
      commands.flush();
      bluez.waitFor(10, TimeUnit.SECONDS);
      bluez.destroy();
    }
  }

  /** Sends {@code rate} notifications a second for {@code seconds}; returns the next sequence. */
  private static int send(
      Writer commands, ConcurrentHashMap<Integer, Long> sent, int sequence, int rate, int seconds)
      throws Exception {
    long period = TimeUnit.SECONDS.toNanos(1) / rate;
    long next = System.nanoTime();
    for (int i = 0; i < rate * seconds; i++, sequence++) {
      LockSupport.parkNanos(next - System.nanoTime());
      next += period;
      sent.put(sequence, System.nanoTime());
      commands.write(String.format("notify %02x%02x%n", sequence & 0xFF, (sequence >> 8) & 0xFF));
      commands.flush();
    }
    return sequence;
  }
}
