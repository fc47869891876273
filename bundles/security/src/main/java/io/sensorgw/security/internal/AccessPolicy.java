package io.sensorgw.security.internal;

import io.sensorgw.core.FailureThrottle;
import io.sensorgw.core.SameOrigin;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Who may do what, decided from a request's method, path, headers and address; no I/O, so every
 * rule is tested directly. The order: methods nobody may use (TRACE), the Host allow-list (DNS
 * rebinding), {@code /health} (open), a foreign Origin on a WebSocket or a state change (CSRF),
 * the opt-ins for anonymous reads, the throttle, then the token and its scope.
 */
final class AccessPolicy {
  /** What a request brings. */
  record Request(String method, String path, String host, String origin, String remoteAddress,
      boolean fromLoopback, String authorization, boolean secure) {
    Request(String method, String path, String host, String origin, String remoteAddress, boolean fromLoopback,
        String authorization) {
      this(method, path, host, origin, remoteAddress, fromLoopback, authorization, false);
    }
  }

  /** What plain HTTP serves: everything, or only /health and otherwise a redirect or a refusal. */
  enum HttpMode {
    BOTH, REDIRECT, HEALTH_ONLY;

    static HttpMode parse(String text) {
      return switch (text == null ? "" : text.trim().toLowerCase(Locale.ROOT)) {
        case "", "both" -> BOTH;
        case "redirect" -> REDIRECT;
        case "health-only" -> HEALTH_ONLY;
        default -> throw new IllegalArgumentException("http.mode must be both, redirect or health-only, was '" + text + "'");
      };
    }
  }

  /** How it ended, for the counters. */
  enum Outcome { ALLOWED, ANONYMOUS, MISSING, INVALID, FORBIDDEN, THROTTLED, HOST_REFUSED, ORIGIN_REFUSED, METHOD_REFUSED,
    PLAIN_HTTP }

  /** Let through (with who it is, for the log), or answer with status, error and headers. */
  record Decision(Outcome outcome, int status, String error, Map<String, String> headers, String who) {
    static Decision allow(Outcome outcome, String who) {
      return new Decision(outcome, 0, "", Map.of(), who);
    }

    static Decision deny(Outcome outcome, int status, String error, Map<String, String> headers) {
      return new Decision(outcome, status, error, headers, "");
    }

    boolean allowed() {
      return status == 0;
    }
  }

  static final String CHALLENGE = "Bearer realm=\"sensorgw\"";

  private final TokenStore tokens;
  private final FailureThrottle throttle;
  private final boolean anonymousRead;
  private final boolean metricsFromLoopback;
  private final Set<String> allowedHosts; // lower case names and addresses; empty: any
  private final HttpMode httpMode;
  private final IntSupplier httpsPort; // 0 while unknown

  AccessPolicy(TokenStore tokens, FailureThrottle throttle, boolean anonymousRead, boolean metricsFromLoopback,
      Set<String> allowedHosts) {
    this(tokens, throttle, anonymousRead, metricsFromLoopback, allowedHosts, HttpMode.BOTH, () -> 0);
  }

  AccessPolicy(TokenStore tokens, FailureThrottle throttle, boolean anonymousRead, boolean metricsFromLoopback,
      Set<String> allowedHosts, HttpMode httpMode, IntSupplier httpsPort) {
    this.tokens = tokens;
    this.throttle = throttle;
    this.anonymousRead = anonymousRead;
    this.metricsFromLoopback = metricsFromLoopback;
    this.allowedHosts = allowedHosts;
    this.httpMode = httpMode;
    this.httpsPort = httpsPort;
  }

  /** Whether answers over HTTPS carry HSTS: when plain HTTP is no way in. */
  boolean strictTransport() {
    return httpMode != HttpMode.BOTH;
  }

  /** The scope a request needs: reading is GET and HEAD, anything else changes something. */
  static Scope needed(String method) {
    return method.equals("GET") || method.equals("HEAD") ? Scope.READ : Scope.CONTROL;
  }

  Decision decide(Request request) {
    String method = request.method().toUpperCase(Locale.ROOT);
    if (method.equals("TRACE") || method.equals("TRACK")) {
      return Decision.deny(Outcome.METHOD_REFUSED, 405, method + " is not allowed", Map.of("Allow", "GET, HEAD, POST"));
    }
    if (request.host() != null && !hostAllowed(request.host())) {
      return Decision.deny(Outcome.HOST_REFUSED, 421, "this gateway does not answer for host '"
          + shown(request.host()) + "' (allowed.hosts)", Map.of());
    }
    if (request.path().equals("/health")) return Decision.allow(Outcome.ANONYMOUS, "anyone");
    if (!request.secure() && httpMode != HttpMode.BOTH) {
      int port = httpsPort.getAsInt();
      String host = request.host() == null ? "localhost" : SameOrigin.hostName(request.host());
      String https = "https://" + (host.contains(":") ? "[" + host + "]" : host) + (port == 0 ? "" : ":" + port)
          + request.path();
      if (httpMode == HttpMode.REDIRECT && port != 0) {
        return Decision.deny(Outcome.PLAIN_HTTP, 308, "this gateway answers over HTTPS: " + https, Map.of("Location", https));
      }
      return Decision.deny(Outcome.PLAIN_HTTP, 403, "plain HTTP serves only /health here; use " + https, Map.of());
    }
    Scope needed = needed(method);
    boolean webSocket = request.path().equals("/ws") || request.path().startsWith("/ws/");
    if ((webSocket || needed != Scope.READ) && request.origin() != null && !SameOrigin.matches(request.origin(), request.host())) {
      return Decision.deny(Outcome.ORIGIN_REFUSED, 403, "requests from origin '" + shown(request.origin())
          + "' are refused: only pages of this gateway may " + (webSocket ? "open its WebSocket" : "change it"), Map.of());
    }
    if (needed == Scope.READ && anonymousRead) return Decision.allow(Outcome.ANONYMOUS, "anonymous (anonymous.read)");
    if (request.path().equals("/metrics") && metricsFromLoopback && request.fromLoopback()) {
      return Decision.allow(Outcome.ANONYMOUS, "anonymous on this host (metrics.loopback.anonymous)");
    }
    long retryAfter = throttle.retryAfterSeconds(request.remoteAddress());
    if (retryAfter > 0) {
      return Decision.deny(Outcome.THROTTLED, 429, "too many bad credentials from " + request.remoteAddress()
          + "; try again in " + retryAfter + " s", Map.of("Retry-After", Long.toString(retryAfter)));
    }
    String authorization = request.authorization();
    if (authorization == null || authorization.isBlank()) {
      return Decision.deny(Outcome.MISSING, 401, "a token is needed: Authorization: Bearer <token>",
          Map.of("WWW-Authenticate", CHALLENGE));
    }
    if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throttle.failed(request.remoteAddress());
      return Decision.deny(Outcome.INVALID, 401, "the Authorization header must be: Bearer <token>",
          Map.of("WWW-Authenticate", CHALLENGE + ", error=\"invalid_request\""));
    }
    Optional<TokenStore.Token> token = tokens.authenticate(authorization.substring(7).trim());
    if (token.isEmpty()) {
      throttle.failed(request.remoteAddress());
      return Decision.deny(Outcome.INVALID, 401, "the token is not valid (unknown or revoked)",
          Map.of("WWW-Authenticate", CHALLENGE + ", error=\"invalid_token\""));
    }
    if (!token.get().scope().covers(needed)) {
      return Decision.deny(Outcome.FORBIDDEN, 403, "token '" + token.get().name() + "' has scope "
          + token.get().scope().label() + "; " + method + " " + request.path() + " needs " + needed.label(),
          Map.of("WWW-Authenticate", CHALLENGE + ", error=\"insufficient_scope\", scope=\"" + needed.label() + "\""));
    }
    return Decision.allow(Outcome.ALLOWED, "token '" + token.get().name() + "'");
  }

  private boolean hostAllowed(String hostHeader) {
    return allowedHosts.isEmpty() || allowedHosts.contains(SameOrigin.hostName(hostHeader));
  }

  /** A header as shown in an error: bounded, printable. */
  static String shown(String value) {
    String printable = value.replaceAll("[^\\x20-\\x7e]", "?");
    return printable.length() > 80 ? printable.substring(0, 80) + "..." : printable;
  }
}
