package io.sensorgw.console.internal;

import io.sensorgw.web.FailureThrottle;
import io.sensorgw.web.SameOrigin;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Web Console's only login. The runtime sets {@code
 * felix.webconsole.security.providers=sensorgw}, so the console serves nothing until this provider
 * is registered, and its admin/admin default is never active. It has no configuration of its own,
 * so its registration stays put (the console drops a provider whose properties change) while {@link
 * ConsoleCredentials} and {@link LoginThrottle} follow theirs; between two credentials, all are
 * refused.
 */
@Component(property = SecurityProvider.PROPERTY_ID + "=" + ConsoleLogin.PROVIDER_ID)
public class ConsoleLogin implements SecurityProvider {
  static final String PROVIDER_ID = "sensorgw";
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleLogin.class);

  /** Frames, plugins and forms of other sites get nothing; the console's own scripts still run. */
  static final String CONTENT_SECURITY_POLICY =
      "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'";

  /** While {@link LoginThrottle} is (re)configured: its defaults. */
  private final LoginThrottle defaults = new LoginThrottle();

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile LoginThrottle configuredThrottle;

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile ConsoleCredentials credentials;

  /**
   * Every console request: hardening headers; a change from a page of another site is refused
   * (CSRF: a browser sends the admin's cached Basic credentials with a forged form); an address
   * with too many wrong passwords waits; then the credentials.
   */
  @Override
  public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
    response.setHeader("X-Frame-Options", "DENY");
    response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("Referrer-Policy", "same-origin");
    String address = request.getRemoteAddr();
    if (!safe(request.getMethod()) && !fromThisSite(request)) {
      LOG.warn(
          "Web Console: refused a {} to {} from another site ({}), address {}",
          request.getMethod(),
          request.getRequestURI(),
          request.getHeader("Origin") != null ? "Origin" : "Referer",
          address);
      return refuse(response, 403, null);
    }
    LoginThrottle current = configuredThrottle;
    FailureThrottle throttle = (current != null ? current : defaults).throttle();
    int failuresMax = (current != null ? current : defaults).failuresMax();
    long retryAfter = throttle.retryAfterSeconds(address);
    if (retryAfter > 0) return refuse(response, 429, Long.toString(retryAfter));
    ConsoleCredentials login = credentials;
    String authorization = request.getHeader("Authorization");
    if (login != null) {
      var user = login.check(authorization);
      if (user.isPresent()) return user.get();
    }
    if (authorization != null) {
      int failures = throttle.failed(address);
      if (failures == 1) {
        LOG.warn(
            "Web Console: wrong user or password from {}; further ones in this window are counted",
            address);
      } else if (failures == failuresMax) {
        LOG.warn(
            "Web Console: {} wrong passwords from {} within the window; refused (429) until it ends",
            failures,
            address);
      }
    }
    response.setHeader("WWW-Authenticate", "Basic realm=\"sensorgw\", charset=\"UTF-8\"");
    return refuse(response, HttpServletResponse.SC_UNAUTHORIZED, null);
  }

  private static boolean safe(String method) {
    return method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS");
  }

  /**
   * A browser names the page a request comes from in Origin (every cross-site POST) or Referer; a
   * script (curl) sends neither and passes. Either one naming another site refuses it.
   */
  static boolean fromThisSite(HttpServletRequest request) {
    String host = request.getHeader("Host");
    String origin = request.getHeader("Origin");
    if (origin != null) return SameOrigin.matches(origin, host);
    String referer = request.getHeader("Referer");
    return referer == null || SameOrigin.matches(referer, host);
  }

  private static Object refuse(HttpServletResponse response, int status, String retryAfter) {
    if (retryAfter != null) response.setHeader("Retry-After", retryAfter);
    response.setStatus(status);
    response.setContentLength(0);
    try {
      response.flushBuffer();
    } catch (IOException e) {
      // the client went away; nothing to answer
    }
    return null;
  }

  @Override
  public boolean authorize(Object user, String role) {
    return user != null; // one role: the configured user may do everything
  }

  @Override
  public void logout(HttpServletRequest request, HttpServletResponse response) {
    // Basic authentication keeps no server-side session to end.
  }
}
