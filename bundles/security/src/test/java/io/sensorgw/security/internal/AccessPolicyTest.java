package io.sensorgw.security.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.web.FailureThrottle;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessPolicyTest {
  @TempDir Path dir;
  private final AtomicLong nanos = new AtomicLong();
  private TokenStore store;
  private FailureThrottle throttle;
  private String read;
  private String control;
  private String admin;

  @BeforeEach
  void tokens() throws Exception {
    store = TokenStore.open(dir.resolve("tokens.json"), new SecureRandom(), Instant::now);
    read = store.create("reader", Scope.READ);
    control = store.create("operator", Scope.CONTROL);
    admin = store.create("admin", Scope.ADMIN);
    throttle = new FailureThrottle(3, 60_000_000_000L, nanos::get);
  }

  private AccessPolicy policy(boolean anonymousRead, boolean metricsFromLoopback) {
    return new AccessPolicy(
        store, throttle, anonymousRead, metricsFromLoopback, Set.of("127.0.0.1", "gw.local"));
  }

  private static AccessPolicy.Request request(String method, String path, String authorization) {
    return new AccessPolicy.Request(
        method, path, "127.0.0.1:8000", null, "10.0.0.9", false, authorization);
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  @Test
  void everyRouteButHealthNeedsAToken() {
    AccessPolicy policy = policy(false, false);
    assertTrue(policy.decide(request("GET", "/health", null)).allowed());
    for (String path :
        new String[] {
          "/api/sensors",
          "/api/stream",
          "/ws",
          "/metrics",
          "/api/sensors/imx477-1/frame.jpg",
          "/tfluna/sensor",
          "/"
        }) {
      AccessPolicy.Decision missing = policy.decide(request("GET", path, null));
      assertEquals(401, missing.status(), path);
      assertEquals(AccessPolicy.CHALLENGE, missing.headers().get("WWW-Authenticate"), path);
      assertTrue(policy.decide(request("GET", path, bearer(read))).allowed(), path);
    }
  }

  @Test
  void scopesNest() {
    AccessPolicy policy = policy(false, false);
    String calibrate = "/api/sensors/mpu6050-1/calibrate";
    AccessPolicy.Decision forbidden = policy.decide(request("POST", calibrate, bearer(read)));
    assertEquals(403, forbidden.status());
    assertTrue(
        forbidden
            .error()
            .contains("token 'reader' has scope read; POST " + calibrate + " needs control"),
        forbidden.error());
    assertTrue(forbidden.headers().get("WWW-Authenticate").contains("insufficient_scope"));
    assertTrue(policy.decide(request("POST", calibrate, bearer(control))).allowed());
    assertTrue(policy.decide(request("POST", calibrate, bearer(admin))).allowed());
    assertTrue(policy.decide(request("GET", "/api/sensors", bearer(admin))).allowed());
  }

  @Test
  void malformedUnknownAndRevokedTokensAre401AndCounted() throws Exception {
    AccessPolicy policy = policy(false, false);
    AccessPolicy.Decision basic =
        policy.decide(request("GET", "/api/sensors", "Basic YWRtaW46YWRtaW4="));
    assertEquals(401, basic.status());
    assertTrue(basic.headers().get("WWW-Authenticate").contains("invalid_request"));
    AccessPolicy.Decision unknown =
        policy.decide(request("GET", "/api/sensors", bearer("sgw_" + "A".repeat(43))));
    assertEquals(401, unknown.status());
    assertTrue(unknown.headers().get("WWW-Authenticate").contains("invalid_token"));
    assertTrue(store.revoke("reader"));
    assertEquals(
        401, policy.decide(request("GET", "/api/sensors", bearer(read))).status(), "revoked");
    assertEquals(3, throttle.failuresOf("10.0.0.9"));
    assertFalse(unknown.error().contains("sgw_"), "the token is never echoed");
  }

  @Test
  void aTokenInUseIsRefusedOnTheRequestAfterItIsRevoked() throws Exception {
    AccessPolicy policy = policy(false, false);
    for (int i = 0;
        i < 1000;
        i++) { // a keep-alive client's stream of requests, on several threads' digests
      assertTrue(
          policy.decide(request("GET", "/api/sensors/tfluna-1/reading", bearer(admin))).allowed());
    }
    Thread other = new Thread(() -> policy.decide(request("GET", "/api/sensors", bearer(admin))));
    other.start();
    other.join();
    AccessPolicy.Decision allowed = policy.decide(request("GET", "/api/sensors", bearer(admin)));
    assertEquals("token 'admin'", allowed.who());
    assertTrue(store.revoke("admin"));
    AccessPolicy.Decision revoked =
        policy.decide(request("GET", "/api/sensors/tfluna-1/reading", bearer(admin)));
    assertEquals(401, revoked.status());
    assertTrue(revoked.headers().get("WWW-Authenticate").contains("invalid_token"));
    assertEquals(1, throttle.failuresOf("10.0.0.9"), "and counted as a bad credential");
    assertTrue(
        policy.decide(request("GET", "/api/sensors", bearer(read))).allowed(),
        "the others still work");
  }

  @Test
  void anAddressWithTooManyBadCredentialsIsThrottledEvenWithAGoodTokenUntilTheWindowEnds() {
    AccessPolicy policy = policy(false, false);
    for (int i = 0; i < 3; i++)
      policy.decide(request("GET", "/api/sensors", bearer("sgw_wrong" + i)));
    AccessPolicy.Decision throttled = policy.decide(request("GET", "/api/sensors", bearer(read)));
    assertEquals(429, throttled.status());
    assertEquals("60", throttled.headers().get("Retry-After"));
    AccessPolicy.Request other =
        new AccessPolicy.Request(
            "GET", "/api/sensors", "127.0.0.1", null, "10.0.0.10", false, bearer(read));
    assertTrue(policy.decide(other).allowed(), "another address is not throttled");
    nanos.addAndGet(60_000_000_000L);
    assertTrue(
        policy.decide(request("GET", "/api/sensors", bearer(read))).allowed(), "after the window");
  }

  @Test
  void foreignHostsAreRefusedAgainstDnsRebinding() {
    AccessPolicy policy = policy(false, false);
    AccessPolicy.Request rebound =
        new AccessPolicy.Request(
            "GET", "/api/sensors", "evil.example:8000", null, "10.0.0.9", false, bearer(read));
    AccessPolicy.Decision decision = policy.decide(rebound);
    assertEquals(421, decision.status());
    assertTrue(decision.error().contains("evil.example"));
    AccessPolicy.Request health =
        new AccessPolicy.Request("GET", "/health", "evil.example", null, "10.0.0.9", false, null);
    assertEquals(421, policy.decide(health).status(), "not even /health answers a foreign name");
    AccessPolicy.Request mdns =
        new AccessPolicy.Request(
            "GET", "/api/sensors", "GW.local.", null, "10.0.0.9", false, bearer(read));
    assertTrue(policy.decide(mdns).allowed(), "names compare without case and trailing dot");
  }

  @Test
  void foreignOriginsMayNeitherChangeNorOpenTheWebSocket() {
    AccessPolicy policy = policy(true, false);
    AccessPolicy.Request csrf =
        new AccessPolicy.Request(
            "POST",
            "/api/sensors/mpu6050-1/calibrate",
            "127.0.0.1:8000",
            "http://evil.example",
            "10.0.0.9",
            false,
            bearer(admin));
    assertEquals(403, policy.decide(csrf).status());
    AccessPolicy.Request ws =
        new AccessPolicy.Request(
            "GET", "/ws", "127.0.0.1:8000", "http://evil.example", "10.0.0.9", false, null);
    assertEquals(403, policy.decide(ws).status(), "even with anonymous.read");
    AccessPolicy.Request sameOrigin =
        new AccessPolicy.Request(
            "GET", "/ws", "127.0.0.1:8000", "http://127.0.0.1:8000", "10.0.0.9", false, null);
    assertTrue(policy.decide(sameOrigin).allowed());
    AccessPolicy.Request otherPort =
        new AccessPolicy.Request(
            "GET", "/ws", "127.0.0.1:8000", "http://127.0.0.1:9000", "10.0.0.9", false, null);
    assertEquals(403, policy.decide(otherPort).status());
    AccessPolicy.Request nullOrigin =
        new AccessPolicy.Request("GET", "/ws", "127.0.0.1:8000", "null", "10.0.0.9", false, null);
    assertEquals(403, policy.decide(nullOrigin).status());
  }

  @Test
  void optInsOpenReadingOnlyAndMetricsOnlyFromThisHost() {
    AccessPolicy anonymous = policy(true, false);
    assertTrue(anonymous.decide(request("GET", "/api/sensors", null)).allowed());
    assertEquals(
        401,
        anonymous.decide(request("POST", "/api/sensors/x/calibrate", null)).status(),
        "control still needs a token");
    AccessPolicy metrics = policy(false, true);
    AccessPolicy.Request local =
        new AccessPolicy.Request("GET", "/metrics", "127.0.0.1", null, "127.0.0.1", true, null);
    assertTrue(metrics.decide(local).allowed());
    AccessPolicy.Request remote =
        new AccessPolicy.Request("GET", "/metrics", "127.0.0.1", null, "10.0.0.9", false, null);
    assertEquals(401, metrics.decide(remote).status());
    AccessPolicy.Request localApi =
        new AccessPolicy.Request("GET", "/api/sensors", "127.0.0.1", null, "127.0.0.1", true, null);
    assertEquals(401, metrics.decide(localApi).status(), "only /metrics");
  }

  @Test
  void traceIsRefusedEverywhere() {
    AccessPolicy.Decision trace = policy(true, false).decide(request("TRACE", "/health", null));
    assertEquals(405, trace.status());
  }

  @Test
  void plainHttpRedirectsOrServesOnlyHealthWhenHttpsIsTheWayIn() {
    AccessPolicy redirect =
        new AccessPolicy(
            store,
            throttle,
            false,
            false,
            Set.of(),
            AccessPolicy.HttpMode.REDIRECT,
            () -> 8443,
            null);
    AccessPolicy.Decision moved =
        redirect.decide(
            new AccessPolicy.Request(
                "GET",
                "/api/sensors",
                "gw.local:8000",
                null,
                "10.0.0.9",
                false,
                bearer(read),
                false));
    assertEquals(308, moved.status());
    assertEquals("https://gw.local:8443/api/sensors", moved.headers().get("Location"));
    assertTrue(
        redirect
            .decide(
                new AccessPolicy.Request(
                    "GET", "/health", "gw.local:8000", null, "10.0.0.9", false, null, false))
            .allowed(),
        "health stays on plain HTTP");
    assertTrue(
        redirect
            .decide(
                new AccessPolicy.Request(
                    "GET",
                    "/api/sensors",
                    "gw.local:8443",
                    null,
                    "10.0.0.9",
                    false,
                    bearer(read),
                    true))
            .allowed(),
        "over HTTPS");
    assertTrue(redirect.strictTransport());
    AccessPolicy healthOnly =
        new AccessPolicy(
            store,
            throttle,
            false,
            false,
            Set.of(),
            AccessPolicy.HttpMode.HEALTH_ONLY,
            () -> 8443,
            null);
    assertEquals(
        403,
        healthOnly
            .decide(
                new AccessPolicy.Request(
                    "GET", "/api/sensors", "[::1]:8000", null, "::1", true, bearer(admin), false))
            .status());
    assertFalse(policy(false, false).strictTransport(), "no HSTS while plain HTTP is a way in");
    assertEquals(
        8443,
        AccessFilter.httpsPortOf(new String[] {"http://10.0.0.1:8000/", "https://10.0.0.1:8443/"}));
    assertEquals(0, AccessFilter.httpsPortOf("http://10.0.0.1:8000/"));
  }

  private AccessPolicy withSessions(Sessions sessions, boolean anonymousRead) {
    return new AccessPolicy(
        store,
        throttle,
        anonymousRead,
        false,
        Set.of("127.0.0.1"),
        AccessPolicy.HttpMode.BOTH,
        () -> 0,
        () -> sessions);
  }

  private Sessions sessions() {
    return new Sessions(new SecureRandom(), nanos::get, 60_000_000_000L, 3_600_000_000_000L, 10);
  }

  private static AccessPolicy.Request browser(
      String method, String path, String cookie, String csrf) {
    return request(method, path, null).withSession(cookie, csrf);
  }

  @Test
  void aBrowserSessionHasItsTokensScopeAndNeedsTheCsrfValueToChangeAnything() {
    Sessions sessions = sessions();
    AccessPolicy policy = withSessions(sessions, false);
    AccessPolicy.Decision login = policy.decide(request("POST", "/login", bearer(read)));
    assertTrue(login.allowed(), "any scope opens a session");
    Sessions.Opened reader = sessions.open(login.token());
    AccessPolicy.Decision reading =
        policy.decide(browser("GET", "/api/stream", reader.cookie(), null));
    assertTrue(reading.allowed());
    assertEquals("reader", reading.token().name());
    assertEquals(reader.session(), reading.session());
    assertEquals(
        403,
        policy
            .decide(
                browser(
                    "POST",
                    "/api/sensors/tfluna-1/calibrate",
                    reader.cookie(),
                    reader.session().csrf()))
            .status(),
        "a read token's session may not calibrate");

    Sessions.Opened operator =
        sessions.open(policy.decide(request("GET", "/api/sensors", bearer(control))).token());
    String calibrate = "/api/sensors/mpu6050-1/calibrate";
    AccessPolicy.Decision noCsrf =
        policy.decide(browser("POST", calibrate, operator.cookie(), null));
    assertEquals(403, noCsrf.status());
    assertTrue(noCsrf.error().contains("X-CSRF-Token"), noCsrf.error());
    assertEquals(
        403,
        policy
            .decide(browser("POST", calibrate, operator.cookie(), reader.session().csrf()))
            .status(),
        "another session's value");
    assertTrue(
        policy
            .decide(browser("POST", calibrate, operator.cookie(), operator.session().csrf()))
            .allowed());
    assertTrue(
        policy
            .decide(browser("POST", "/logout", operator.cookie(), operator.session().csrf()))
            .allowed());
    assertEquals(
        403,
        policy.decide(browser("POST", "/logout", operator.cookie(), null)).status(),
        "logout too");
  }

  @Test
  void aSessionEndsWithItsTokenIdleTimeAndLogout() throws Exception {
    Sessions sessions = sessions();
    AccessPolicy policy = withSessions(sessions, false);
    Sessions.Opened opened = sessions.open(store.authenticate(read).orElseThrow());
    store.revoke("reader");
    AccessPolicy.Decision revoked =
        policy.decide(browser("GET", "/api/sensors", opened.cookie(), null));
    assertEquals(401, revoked.status());
    assertTrue(revoked.error().contains("revoked"), revoked.error());
    assertEquals(0, sessions.size(), "the session went with its token");

    Sessions.Opened idle = sessions.open(store.authenticate(admin).orElseThrow());
    nanos.addAndGet(59_000_000_000L);
    assertTrue(
        policy.decide(browser("GET", "/api/sensors", idle.cookie(), null)).allowed(),
        "used within the idle time");
    nanos.addAndGet(61_000_000_000L);
    AccessPolicy.Decision ended =
        policy.decide(browser("GET", "/api/sensors", idle.cookie(), null));
    assertEquals(401, ended.status());
    assertTrue(ended.error().contains("log in again"), ended.error());

    Sessions.Opened closed = sessions.open(store.authenticate(admin).orElseThrow());
    assertTrue(sessions.close(closed.cookie()));
    assertEquals(
        401, policy.decide(browser("GET", "/api/sensors", closed.cookie(), null)).status());
    assertEquals(401, policy.decide(browser("GET", "/api/sensors", "made-up", null)).status());
    assertEquals(0, throttle.failuresOf("10.0.0.9"), "an ended session is not a bad credential");
  }

  @Test
  void aBrowserAskingForAPageWithoutACredentialIsSentToTheLoginPage() {
    AccessPolicy policy = withSessions(sessions(), false);
    AccessPolicy.Decision page = policy.decide(request("GET", "/", null).asNavigation("/"));
    assertEquals(303, page.status());
    assertEquals("/login?next=%2F", page.headers().get("Location"));
    assertEquals(
        303,
        policy
            .decide(browser("GET", "/dashboard", "ended", null).asNavigation("/dashboard?x=1"))
            .status());
    assertEquals(
        401,
        policy.decide(request("GET", "/api/sensors", null)).status(),
        "an API client gets 401");
    assertTrue(policy.decide(request("GET", "/login", null)).allowed(), "the login page is open");
    assertTrue(policy.decide(request("GET", "/login.js", null)).allowed(), "and its script");
    AccessPolicy.Decision whoAmI = policy.decide(request("GET", "/login/session", null));
    assertTrue(whoAmI.allowed(), "who am I is answered without a credential");
    assertEquals(AccessPolicy.NOBODY, whoAmI.who());
    assertEquals(null, whoAmI.token());
    assertEquals(405, policy.decide(request("TRACE", "/login/session", null)).status());
  }

  @Test
  void loggingInNeedsAValidTokenEvenWithAnonymousReadAndFromThisOriginOnly() {
    AccessPolicy policy = withSessions(sessions(), true);
    assertEquals(401, policy.decide(request("POST", "/login", null)).status());
    assertEquals(401, policy.decide(request("POST", "/login", bearer("sgw_made-up"))).status());
    assertEquals(1, throttle.failuresOf("10.0.0.9"), "a bad token at login is throttled like any");
    AccessPolicy.Decision foreign =
        policy.decide(
            new AccessPolicy.Request(
                "POST",
                "/login",
                "127.0.0.1:8000",
                "http://evil.example",
                "10.0.0.9",
                false,
                bearer(admin)));
    assertEquals(403, foreign.status(), "no login from another site's page");
  }

  @Test
  void sessionsAreBoundedAndTheOldestGoesFirst() throws Exception {
    Sessions sessions =
        new Sessions(new SecureRandom(), nanos::get, 60_000_000_000L, 3_600_000_000_000L, 3);
    TokenStore.Token token = store.authenticate(read).orElseThrow();
    Sessions.Opened first = sessions.open(token);
    Sessions.Opened second = sessions.open(token);
    sessions.open(token);
    sessions.open(token);
    assertEquals(3, sessions.size());
    assertTrue(sessions.find(first.cookie()).isEmpty(), "the oldest went");
    assertTrue(sessions.find(second.cookie()).isPresent());
    nanos.addAndGet(3_600_000_000_001L);
    assertTrue(sessions.find(second.cookie()).isEmpty(), "too old, however used");
    assertFalse(Sessions.csrfMatches(first.session(), null));
    assertFalse(Sessions.csrfMatches(first.session(), second.session().csrf()));
  }
}
