package io.sensorgw.security.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration PID {@code io.sensorgw.security}; with none, every route but /health needs a token.
 */
@ObjectClassDefinition(
    name = "sensorgw access control",
    description =
        "Who may use the HTTP routes: API tokens with scopes (read, control, admin). "
            + "/health is always open; the Web Console has its own login.")
@interface SecurityConfig {
  @AttributeDefinition(
      name = "Anonymous read",
      description =
          "Let anyone read (readings, history, stream, WebSocket, frames, metrics) without a token")
  boolean anonymous_read() default false;

  @AttributeDefinition(
      name = "Metrics from this host without a token",
      description =
          "For a Prometheus on the same machine: /metrics from 127.0.0.1 or ::1 needs no token")
  boolean metrics_loopback_anonymous() default false;

  @AttributeDefinition(
      name = "Allowed host names",
      description =
          "Host header values answered (names or addresses, no port); empty: this machine's "
              + "names and addresses, localhost and <hostname>.local; '*': any (no DNS-rebinding defence)",
      required = false)
  String[] allowed_hosts() default {};

  @AttributeDefinition(
      name = "Bad credentials before throttling",
      description = "Per client address and window, 1-1000",
      min = "1",
      max = "1000")
  int failures_max() default 10;

  @AttributeDefinition(
      name = "Throttle window (s)",
      description = "1-3600",
      min = "1",
      max = "3600")
  int failures_window_s() default 60;

  @AttributeDefinition(
      name = "Plain HTTP",
      description =
          "both: every route on HTTP and HTTPS; redirect: HTTP redirects to HTTPS (308) but for "
              + "/health; health-only: HTTP serves /health and refuses the rest (403). HTTPS then sends HSTS.")
  String http_mode() default "both";

  @AttributeDefinition(
      name = "Browser session idle time (min)",
      description =
          "A browser logged in at /login is logged out after this long without a request; 1-10080",
      min = "1",
      max = "10080")
  int session_idle_minutes() default 720;

  @AttributeDefinition(
      name = "Browser session lifetime (h)",
      description = "A browser session ends this long after its login, used or not; 1-8760",
      min = "1",
      max = "8760")
  int session_lifetime_hours() default 168;

  @AttributeDefinition(
      name = "Request header timeout (s)",
      description =
          "A connection that has not sent a request's headers in full this long after it opened (or "
              + "after the request's first byte, on a reused connection) is closed, however slowly they trickle in; "
              + "0-3600, 0: off",
      min = "0",
      max = "3600")
  int header_timeout_s() default 20;

  @AttributeDefinition(
      name = "Browser session file",
      description =
          "Where browser sessions are kept across restarts (hashed, 0600), relative to the home")
  String sessions_file() default "data/sessions.json";

  @AttributeDefinition(
      name = "Token file",
      description = "Hashed tokens, relative to the gateway's home")
  String tokens_file() default "data/tokens.json";

  @AttributeDefinition(
      name = "First admin token file",
      description =
          "Where the admin token made on first start is written (0600), relative to the home")
  String admin_token_file() default "data/admin-token";
}
