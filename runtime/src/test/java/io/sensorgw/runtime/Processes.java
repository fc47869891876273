package io.sensorgw.runtime;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The processes the end-to-end tests start (the gateway, Mosquitto brokers, Chromium), and how they
 * end: with the whole tree, whether the test passed or failed. A test stops what it started in a
 * finally block; a JVM shutdown hook stops whatever is still running as a last line.
 */
final class Processes {
  /** How long a process may take to end after SIGTERM before it is killed. */
  private static final Duration GRACE = Duration.ofSeconds(30);

  /** Every started process not yet stopped, with the descendants seen so far. */
  private static final Map<Process, Set<ProcessHandle>> RUNNING = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> List.copyOf(RUNNING.keySet()).forEach(Processes::stop),
                "e2e-process-reaper"));
  }

  private Processes() {}

  /** Starts {@code builder}'s process, tracked until {@link #stop}. */
  static Process start(ProcessBuilder builder) throws IOException {
    Process process = builder.start();
    RUNNING.put(process, ConcurrentHashMap.newKeySet());
    return process;
  }

  /**
   * Remembers the process's descendants as they are now: if the process dies first, they are
   * reparented and no longer its descendants, but {@link #stop} still ends them.
   */
  static void rememberDescendants(Process process) {
    Set<ProcessHandle> known = RUNNING.get(process);
    if (known != null) process.descendants().forEach(known::add);
  }

  /**
   * Stops the process and every descendant: SIGTERM to all (a process may clean up, e.g. socat
   * removes its links), a bounded wait, then SIGKILL to what is left and a bounded wait again.
   */
  static void stop(Process process) {
    stop(process, GRACE);
  }

  /** As {@link #stop(Process)}, with a grace period of its own (the gateway takes up to 30 s). */
  static void stop(Process process, Duration grace) {
    Set<ProcessHandle> tree = new LinkedHashSet<>();
    Set<ProcessHandle> known = RUNNING.remove(process);
    // Descendants first, listed before the parent ends (then they would be reparented).
    process.descendants().forEach(tree::add);
    if (known != null) tree.addAll(known);
    List<ProcessHandle> all = new ArrayList<>(tree);
    all.add(process.toHandle());
    all.forEach(ProcessHandle::destroy);
    if (!awaitEnd(all, grace)) {
      all.forEach(ProcessHandle::destroyForcibly);
      awaitEnd(all, GRACE);
    }
  }

  private static boolean awaitEnd(List<ProcessHandle> processes, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    for (ProcessHandle process : processes) {
      long left = deadline - System.nanoTime();
      if (left <= 0 && process.isAlive()) return false;
      try {
        process.onExit().get(Math.max(left, 0), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (java.util.concurrent.ExecutionException e) {
        // onExit of a handle completes normally; nothing to do
      }
    }
    return true;
  }
}
