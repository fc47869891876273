package io.sensorgw.security.internal;

import io.sensorgw.web.FailureThrottle;
import io.sensorgw.web.SameOrigin;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Who may do what, decided from a request's method, path, headers and address; no I/O, so every
 * rule is tested directly. The order: methods nobody may use (TRACE), the Host allow-list (DNS
 * rebinding), {@code /health} (open), a foreign Origin on a WebSocket or a state change (CSRF), the
 * opt-ins for anonymous reads, the throttle, then the token and its scope.
 */
final class AccessPolicy {
  /**
   * What a request brings: {@code session} is the session cookie's value, {@code csrf} the {@value
   * Sessions#CSRF_HEADER} header, {@code navigation} the path and query a browser asks a page of
   * (null for other requests: scripts, API clients).
   */
  record Request(
      String method,
      String path,
      String host,
      String origin,
      String remoteAddress,
      boolean fromLoopback,
      String authorization,
      boolean secure,
      String session,
      String csrf,
      String navigation) {
    Request(
        String method,
        String path,
        String host,
        String origin,
        String remoteAddress,
        boolean fromLoopback,
        String authorization) {
      this(method, path, host, origin, remoteAddress, fromLoopback, authorization, false);
    }

    Request(
        String method,
        String path,
        String host,
        String origin,
        String remoteAddress,
        boolean fromLoopback,
        String authorization,
        boolean secure) {
      this(
          method,
          path,
          host,
          origin,
          remoteAddress,
          fromLoopback,
          authorization,
          secure,
          null,
          null,
          null);
    }

    Request withSession(String cookie, String csrfHeader) {
      return new Request(
          method,
          path,
          host,
          origin,
          remoteAddress,
          fromLoopback,
          authorization,
          secure,
          cookie,
          csrfHeader,
          navigation);
    }

    /** The same request, as a browser's navigation to {@code target} (path and query). */
    Request asNavigation(String target) {
      return new Request(
          method,
          path,
          host,
          origin,
          remoteAddress,
          fromLoopback,
          authorization,
          secure,
          session,
          csrf,
          target);
    }
  }

  /** What plain HTTP serves: everything, or only /health and otherwise a redirect or a refusal. */
  enum HttpMode {
    BOTH,
    REDIRECT,
    HEALTH_ONLY;

    static HttpMode parse(String text) {
      return switch (text == null ? "" : text.trim().toLowerCase(Locale.ROOT)) {
        case "", "both" -> BOTH;
        case "redirect" -> REDIRECT;
        case "health-only" -> HEALTH_ONLY;
        default ->
            throw new IllegalArgumentException(
                "http.mode must be both, redirect or health-only, was '" + text + "'");
      };
    }
  }

  /** How it ended, for the counters. */
  enum Outcome {
    ALLOWED,
    ANONYMOUS,
    MISSING,
    INVALID,
    FORBIDDEN,
    THROTTLED,
    HOST_REFUSED,
    ORIGIN_REFUSED,
    METHOD_REFUSED,
    PLAIN_HTTP
  }

  /**
   * Let through (with who it is, for the log, and the token and session that let it in, if any), or
   * answer with status, error and headers.
   */
  record Decision(
      Outcome outcome,
      int status,
      String error,
      Map<String, String> headers,
      String who,
      TokenStore.Token token,
      Sessions.Session session) {
    static Decision allow(Outcome outcome, String who) {
      return new Decision(outcome, 0, "", Map.of(), who, null, null);
    }

    static Decision allow(TokenStore.Token token, Sessions.Session session) {
      return new Decision(Outcome.ALLOWED, 0, "", Map.of(), null, token, session);
    }

    /** Who it is; for a token or session, made when asked, not for every request let in. */
    @Override
    public String who() {
      if (who != null || token == null) return who;
      return (session == null ? "token '" : "session of token '") + token.name() + "'";
    }

    static Decision deny(Outcome outcome, int status, String error, Map<String, String> headers) {
      return new Decision(outcome, status, error, headers, "", null, null);
    }

    boolean allowed() {
      return status == 0;
    }
  }

  static final String CHALLENGE = "Bearer realm=\"sensorgw\"";

  /**
   * The browser login page, its script and the icon: open, so a browser without a session can get
   * one.
   */
  static final Set<String> LOGIN_PAGE =
      Set.of("/login", "/login.js", "/favicon.ico", "/favicon.svg");

  private final TokenStore tokens;
  private final FailureThrottle throttle;
  private final boolean anonymousRead;
  private final boolean metricsFromLoopback;
  private final Set<String> allowedHosts; // lower case names and addresses; empty: any
  private final HttpMode httpMode;
  private final IntSupplier httpsPort; // 0 while unknown
  private final Supplier<Sessions> sessions; // null: no browser sessions

  AccessPolicy(
      TokenStore tokens,
      FailureThrottle throttle,
      boolean anonymousRead,
      boolean metricsFromLoopback,
      Set<String> allowedHosts) {
    this(
        tokens,
        throttle,
        anonymousRead,
        metricsFromLoopback,
        allowedHosts,
        HttpMode.BOTH,
        () -> 0,
        null);
  }

  AccessPolicy(
      TokenStore tokens,
      FailureThrottle throttle,
      boolean anonymousRead,
      boolean metricsFromLoopback,
      Set<String> allowedHosts,
      HttpMode httpMode,
      IntSupplier httpsPort,
      Supplier<Sessions> sessions) {
    this.sessions = sessions;
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
    Decision decision = decideAll(request);
    // "Who am I" is asked by pages before they know: no credential is an answer, not a refusal.
    if (decision.status() == 401
        && request.path().equals("/login/session")
        && needed(request.method().toUpperCase(Locale.ROOT)) == Scope.READ) {
      return Decision.allow(Outcome.ANONYMOUS, NOBODY);
    }
    return decision;
  }

  /** Who {@link #decide} lets ask {@code /login/session} without a valid credential. */
  static final String NOBODY = "nobody";

  private Decision decideAll(Request request) {
    String method = request.method().toUpperCase(Locale.ROOT);
    if (method.equals("TRACE") || method.equals("TRACK")) {
      return Decision.deny(
          Outcome.METHOD_REFUSED,
          405,
          method + " is not allowed",
          Map.of("Allow", "GET, HEAD, POST"));
    }
    if (request.host() != null && !hostAllowed(request.host())) {
      return Decision.deny(
          Outcome.HOST_REFUSED,
          421,
          "this gateway does not answer for host '" + shown(request.host()) + "' (allowed.hosts)",
          Map.of());
    }
    if (request.path().equals("/health")) return Decision.allow(Outcome.ANONYMOUS, "anyone");
    if (!request.secure() && httpMode != HttpMode.BOTH) {
      int port = httpsPort.getAsInt();
      String host = request.host() == null ? "localhost" : SameOrigin.hostName(request.host());
      String https =
          "https://"
              + (host.contains(":") ? "[" + host + "]" : host)
              + (port == 0 ? "" : ":" + port)
              + request.path();
      if (httpMode == HttpMode.REDIRECT && port != 0) {
        return Decision.deny(
            Outcome.PLAIN_HTTP,
            308,
            "this gateway answers over HTTPS: " + https,
            Map.of("Location", https));
      }
      return Decision.deny(
          Outcome.PLAIN_HTTP, 403, "plain HTTP serves only /health here; use " + https, Map.of());
    }
    boolean reading = needed(method) == Scope.READ;
    if (reading && LOGIN_PAGE.contains(request.path()))
      return Decision.allow(Outcome.ANONYMOUS, "anyone (login page)");
    // Opening and ending a browser session change only that browser's state: any scope may.
    boolean login = !reading && request.path().equals("/login");
    Scope needed =
        login || !reading && request.path().equals("/logout") ? Scope.READ : needed(method);
    boolean webSocket = request.path().equals("/ws") || request.path().startsWith("/ws/");
    if ((webSocket || !reading)
        && request.origin() != null
        && !SameOrigin.matches(request.origin(), request.host())) {
      return Decision.deny(
          Outcome.ORIGIN_REFUSED,
          403,
          "requests from origin '"
              + shown(request.origin())
              + "' are refused: only pages of this gateway may "
              + (webSocket ? "open its WebSocket" : "change it"),
          Map.of());
    }
    if (needed == Scope.READ && anonymousRead && !login) {
      return Decision.allow(Outcome.ANONYMOUS, "anonymous (anonymous.read)");
    }
    if (request.path().equals("/metrics") && metricsFromLoopback && request.fromLoopback()) {
      return Decision.allow(
          Outcome.ANONYMOUS, "anonymous on this host (metrics.loopback.anonymous)");
    }
    long retryAfter = throttle.retryAfterSeconds(request.remoteAddress());
    if (retryAfter > 0) {
      return Decision.deny(
          Outcome.THROTTLED,
          429,
          "too many bad credentials from "
              + request.remoteAddress()
              + "; try again in "
              + retryAfter
              + " s",
          Map.of("Retry-After", Long.toString(retryAfter)));
    }
    String authorization = request.authorization();
    if (authorization == null || authorization.isBlank()) {
      if (request.session() != null && sessions != null && !login)
        return bySession(request, method, needed);
      if (request.navigation() != null && reading) return toLogin(request.navigation());
      return Decision.deny(
          Outcome.MISSING,
          401,
          "a token is needed: Authorization: Bearer <token>",
          Map.of("WWW-Authenticate", CHALLENGE));
    }
    if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throttle.failed(request.remoteAddress());
      return Decision.deny(
          Outcome.INVALID,
          401,
          "the Authorization header must be: Bearer <token>",
          Map.of("WWW-Authenticate", CHALLENGE + ", error=\"invalid_request\""));
    }
    Optional<TokenStore.Token> token = tokens.authenticate(authorization.substring(7).trim());
    if (token.isEmpty()) {
      throttle.failed(request.remoteAddress());
      return Decision.deny(
          Outcome.INVALID,
          401,
          "the token is not valid (unknown or revoked)",
          Map.of("WWW-Authenticate", CHALLENGE + ", error=\"invalid_token\""));
    }
    if (!token.get().scope().covers(needed)) {
      return Decision.deny(
          Outcome.FORBIDDEN,
          403,
          "token '"
              + token.get().name()
              + "' has scope "
              + token.get().scope().label()
              + "; "
              + method
              + " "
              + request.path()
              + " needs "
              + needed.label(),
          Map.of(
              "WWW-Authenticate",
              CHALLENGE + ", error=\"insufficient_scope\", scope=\"" + needed.label() + "\""));
    }
    return Decision.allow(token.get(), null);
  }

  /**
   * A browser's session: the scope of its token as it is now. A state change needs the session's
   * CSRF value in a header besides the cookie: the cookie is {@code SameSite=Strict} and foreign
   * Origins are refused above, and this also holds in a browser that sends neither correctly.
   */
  private Decision bySession(Request request, String method, Scope needed) {
    Sessions current = sessions.get();
    Optional<Sessions.Session> session = current.find(request.session());
    if (session.isEmpty()) {
      if (request.navigation() != null && needed == Scope.READ)
        return toLogin(request.navigation());
      return Decision.deny(
          Outcome.MISSING,
          401,
          "the browser session has ended (idle, too old, logged out or the "
              + "gateway restarted): log in again at /login",
          Map.of("WWW-Authenticate", CHALLENGE));
    }
    Optional<TokenStore.Token> token = tokens.byHash(session.get().tokenHash());
    if (token.isEmpty()) {
      current.close(request.session());
      return Decision.deny(
          Outcome.INVALID,
          401,
          "the token this session was opened with ('"
              + session.get().tokenName()
              + "') is revoked: log in again at /login",
          Map.of("WWW-Authenticate", CHALLENGE + ", error=\"invalid_token\""));
    }
    if (!token.get().scope().covers(needed)) {
      return Decision.deny(
          Outcome.FORBIDDEN,
          403,
          "token '"
              + token.get().name()
              + "' has scope "
              + token.get().scope().label()
              + "; "
              + method
              + " "
              + request.path()
              + " needs "
              + needed.label(),
          Map.of());
    }
    if (needed(method) != Scope.READ && !Sessions.csrfMatches(session.get(), request.csrf())) {
      return Decision.deny(
          Outcome.FORBIDDEN,
          403,
          "a change from a browser session needs the "
              + Sessions.CSRF_HEADER
              + " header with the session's value (GET /login/session gives it)",
          Map.of());
    }
    return Decision.allow(token.get(), session.get());
  }

  /** A browser asking for a page without a credential goes to the login page, and back after it. */
  private static Decision toLogin(String target) {
    String next = URLEncoder.encode(target.length() > 2000 ? "/" : target, StandardCharsets.UTF_8);
    return Decision.deny(
        Outcome.MISSING, 303, "log in first: /login", Map.of("Location", "/login?next=" + next));
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
