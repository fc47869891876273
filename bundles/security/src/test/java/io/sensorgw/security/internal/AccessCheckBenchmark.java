package io.sensorgw.security.internal;

import io.sensorgw.web.FailureThrottle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The access decision of one cached read ({@code GET /api/sensors/tfluna-1/reading} from this
 * host): with the admin token, its lookup alone, and with {@code anonymous.read} (no token), as the
 * gateway's filter asks it. The store holds 10 tokens. Run with runtime/bench/access (it also runs
 * it with the start script's {@code -XX:TieredStopAtLevel=1} and on several threads). JMH measures
 * wall time, which a machine busy with other work inflates; {@link #main} measures the thread's CPU
 * time per operation instead.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AccessCheckBenchmark {
  private static final String PATH = "/api/sensors/tfluna-1/reading";

  private TokenStore store;
  private String token;
  private AccessPolicy withToken;
  private AccessPolicy anonymousRead;
  private AccessPolicy.Request tokenRequest;
  private AccessPolicy.Request anonymousRequest;

  @Setup
  public void setUp() throws Exception {
    Path dir = Files.createTempDirectory("access-bench");
    store = TokenStore.open(dir.resolve("tokens.json"), new SecureRandom(), Instant::now);
    for (int i = 0; i < 9; i++)
      store.create("reader-" + i, io.sensorgw.security.internal.Scope.READ);
    token = store.create("admin", io.sensorgw.security.internal.Scope.ADMIN);
    FailureThrottle throttle =
        new FailureThrottle(20, TimeUnit.SECONDS.toNanos(60), System::nanoTime);
    Set<String> hosts = AccessFilter.allowedHosts(null);
    withToken = new AccessPolicy(store, throttle, false, false, hosts);
    anonymousRead = new AccessPolicy(store, throttle, true, false, hosts);
    tokenRequest =
        new AccessPolicy.Request(
            "GET", PATH, "127.0.0.1:8000", null, "127.0.0.1", true, "Bearer " + token);
    anonymousRequest =
        new AccessPolicy.Request("GET", PATH, "127.0.0.1:8000", null, "127.0.0.1", true, null);
  }

  @Benchmark
  public AccessPolicy.Decision decideWithToken() {
    return withToken.decide(tokenRequest);
  }

  @Benchmark
  public AccessPolicy.Decision decideAnonymousRead() {
    return anonymousRead.decide(anonymousRequest);
  }

  @Benchmark
  public Object authenticate() {
    return store.authenticate(token);
  }

  /**
   * CPU time per operation of this thread (ThreadMXBean), each benchmark in turn: 2 s of warm-up,
   * then ROUNDS (argument, default 5) rounds of 1,000,000 operations; prints each round's ns/op.
   */
  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    AccessCheckBenchmark bench = new AccessCheckBenchmark();
    bench.setUp();
    java.lang.management.ThreadMXBean threads =
        java.lang.management.ManagementFactory.getThreadMXBean();
    java.util.Map<String, java.util.function.Supplier<Object>> cases =
        new java.util.LinkedHashMap<>();
    cases.put("decideWithToken", bench::decideWithToken);
    cases.put("authenticate", bench::authenticate);
    cases.put("decideAnonymousRead", bench::decideAnonymousRead);
    int sink = 0;
    for (var entry : cases.entrySet()) {
      long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (System.nanoTime() < warmUntil) sink += entry.getValue().get().hashCode() & 1;
      StringBuilder line = new StringBuilder(String.format("%-20s CPU ns/op:", entry.getKey()));
      for (int round = 0; round < rounds; round++) {
        long start = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < 1_000_000; i++) sink += entry.getValue().get().hashCode() & 1;
        line.append(String.format(" %.0f", (threads.getCurrentThreadCpuTime() - start) / 1e6));
      }
      System.out.println(line);
    }
    if (sink == 42) System.out.println(); // keeps the results used
  }
}
