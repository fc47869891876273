package io.sensorgw.security.internal;

import io.sensorgw.core.FailureThrottle;
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
 * host): with the admin token, its lookup alone, and with {@code anonymous.read} (no token), as
 * the gateway's filter asks it. The store holds 10 tokens. Run with runtime/bench/access (it also
 * runs it with the start script's {@code -XX:TieredStopAtLevel=1} and on several threads).
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
    for (int i = 0; i < 9; i++) store.create("reader-" + i, io.sensorgw.security.internal.Scope.READ);
    token = store.create("admin", io.sensorgw.security.internal.Scope.ADMIN);
    FailureThrottle throttle = new FailureThrottle(20, TimeUnit.SECONDS.toNanos(60), System::nanoTime);
    Set<String> hosts = AccessFilter.allowedHosts(null);
    withToken = new AccessPolicy(store, throttle, false, false, hosts);
    anonymousRead = new AccessPolicy(store, throttle, true, false, hosts);
    tokenRequest = new AccessPolicy.Request("GET", PATH, "127.0.0.1:8000", null, "127.0.0.1", true,
        "Bearer " + token);
    anonymousRequest = new AccessPolicy.Request("GET", PATH, "127.0.0.1:8000", null, "127.0.0.1", true, null);
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
}
