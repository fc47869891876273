package io.sensorgw.security.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sensorgw.api.HealthSource;
import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.SensorState;
import io.sensorgw.web.FailureThrottle;
import io.sensorgw.web.SameOrigin;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.servlet.runtime.HttpServiceRuntime;
import org.osgi.service.servlet.runtime.HttpServiceRuntimeConstants;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request to the gateway's routes passes here first (after the request counter, so refusals
 * are counted): {@link AccessPolicy} decides, a refusal is a JSON error with the status and headers
 * it calls for. Bad credentials are logged once per address and window, never with the secret. Only
 * the first dispatch is checked; an ASYNC re-dispatch (backpressure) was let in.
 */
@Component(
    service = {Filter.class, MetricsSource.class, HealthSource.class},
    configurationPid = Tokens.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL,
    property = {
      "service.ranking:Integer=900",
      MetricsSource.NAME + "=access",
      HealthSource.NAME + "=access"
    })
@Designate(ocd = SecurityConfig.class)
@HttpWhiteboardFilterPattern("/*")
@HttpWhiteboardFilterAsyncSupported
public class AccessFilter implements Filter, MetricsSource, HealthSource {
  private static final Logger LOG = LoggerFactory.getLogger(AccessFilter.class);

  private final ObjectMapper mapper = new ObjectMapper();
  private final Tokens tokens;
  private final BrowserSessions browserSessions;
  private final Map<AccessPolicy.Outcome, LongAdder> outcomes =
      new EnumMap<>(AccessPolicy.Outcome.class);

  /** Swapped whole on a configuration change: the filter itself is never unregistered for one. */
  private volatile Settings settings;

  /**
   * The policy (null when the tokens cannot be used), its throttle and bound, and what was wrong
   * with the configuration (empty when nothing).
   */
  private record Settings(
      AccessPolicy policy, FailureThrottle throttle, int failuresMax, String problem) {}

  @Activate
  public AccessFilter(
      SecurityConfig config, @Reference Tokens tokens, @Reference BrowserSessions browserSessions) {
    this.tokens = tokens;
    this.browserSessions = browserSessions;
    for (AccessPolicy.Outcome outcome : AccessPolicy.Outcome.values())
      outcomes.put(outcome, new LongAdder());
    apply(config);
  }

  /**
   * A changed configuration applies in place: were the filter unregistered and registered again,
   * requests in between would pass with no check at all.
   */
  @Modified
  void apply(SecurityConfig config) {
    int failuresMax = Math.max(1, Math.min(1000, config.failures_max()));
    int windowS = Math.max(1, Math.min(3600, config.failures_window_s()));
    if (failuresMax != config.failures_max() || windowS != config.failures_window_s()) {
      LOG.warn(
          "Access: failures.max must be 1..1000 and failures.window.s 1..3600, were {} and {}; using {} and {}",
          config.failures_max(),
          config.failures_window_s(),
          failuresMax,
          windowS);
    }
    FailureThrottle throttle =
        new FailureThrottle(failuresMax, TimeUnit.SECONDS.toNanos(windowS), System::nanoTime);
    Set<String> hosts = allowedHosts(config.allowed_hosts());
    AccessPolicy.HttpMode mode;
    String problem = "";
    try {
      mode = AccessPolicy.HttpMode.parse(config.http_mode());
    } catch (IllegalArgumentException e) {
      // Fail closed: a typo must not open plain HTTP; HTTPS (if on) still serves every route.
      problem = e.getMessage() + "; plain HTTP serves /health only until it is fixed";
      LOG.error("Access: {}", problem);
      mode = AccessPolicy.HttpMode.HEALTH_ONLY;
    }
    AccessPolicy.HttpMode httpMode = mode;
    AccessPolicy policy =
        tokens
            .store()
            .map(
                store ->
                    new AccessPolicy(
                        store,
                        throttle,
                        config.anonymous_read(),
                        config.metrics_loopback_anonymous(),
                        hosts,
                        httpMode,
                        () -> httpsPort,
                        browserSessions::sessions))
            .orElse(null);
    settings = new Settings(policy, throttle, failuresMax, problem);
    LOG.info(
        "Access: tokens needed on every route but /health{}{}; bad credentials throttled after {} per {} s "
            + "and address; Host allowed: {}",
        config.anonymous_read() ? " except for reading (anonymous.read)" : "",
        config.metrics_loopback_anonymous() ? ", /metrics open from this host" : "",
        failuresMax,
        windowS,
        hosts.isEmpty() ? "any" : String.join(", ", hosts));
  }

  /** The HTTPS port Jetty listens on, from the HTTP runtime's endpoints (0 while unknown). */
  private volatile int httpsPort;

  @Reference(
      service = HttpServiceRuntime.class,
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC)
  void bindRuntime(ServiceReference<HttpServiceRuntime> runtime) {
    httpsPort = httpsPortOf(runtime.getProperty(HttpServiceRuntimeConstants.HTTP_SERVICE_ENDPOINT));
  }

  void updatedRuntime(ServiceReference<HttpServiceRuntime> runtime) {
    bindRuntime(runtime);
  }

  void unbindRuntime(ServiceReference<HttpServiceRuntime> runtime) {
    httpsPort = 0;
  }

  /** The port of the first https:// endpoint ({@code https://host:port/}), or 0. */
  static int httpsPortOf(Object endpoints) {
    Object[] all =
        endpoints instanceof Object[] array
            ? array
            : endpoints instanceof java.util.Collection<?> list
                ? list.toArray()
                : new Object[] {endpoints};
    for (Object endpoint : all) {
      if (endpoint == null || !endpoint.toString().startsWith("https://")) continue;
      try {
        int port = java.net.URI.create(endpoint.toString()).getPort();
        if (port > 0) return port;
      } catch (IllegalArgumentException e) {
        // not a URI: the next one
      }
    }
    return 0;
  }

  /** The configured names, or this machine's; {@code *} anywhere: any (empty set). */
  static Set<String> allowedHosts(String[] configured) {
    Set<String> hosts = new TreeSet<>();
    if (configured != null) {
      for (String host : configured) {
        if (host == null || host.isBlank()) continue;
        if (host.trim().equals("*")) return Set.of();
        hosts.add(SameOrigin.hostName(host));
      }
    }
    if (!hosts.isEmpty()) return hosts;
    hosts.add("localhost");
    hosts.add("127.0.0.1");
    hosts.add("::1");
    try {
      String name = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
      hosts.add(name);
      int dot = name.indexOf('.');
      hosts.add(
          (dot < 0 ? name : name.substring(0, dot)) + ".local"); // mDNS, as a Pi announces itself
      hosts.add(InetAddress.getLocalHost().getCanonicalHostName().toLowerCase(Locale.ROOT));
    } catch (UnknownHostException e) {
      // no resolvable name: the addresses below still count
    }
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          String text = address.getHostAddress().toLowerCase(Locale.ROOT);
          int zone = text.indexOf('%');
          hosts.add(zone < 0 ? text : text.substring(0, zone));
        }
      }
    } catch (SocketException e) {
      LOG.warn(
          "Access: cannot list this machine's addresses ({}); set allowed.hosts", e.toString());
    }
    return hosts;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    String path = path(request);
    Settings current = settings;
    AccessPolicy policy = current.policy();
    if (policy == null) {
      if (path.equals("/health")) {
        chain.doFilter(req, res);
      } else {
        refuse(response, 503, "access control is unavailable: " + tokens.problem(), Map.of());
      }
      return;
    }
    String address = request.getRemoteAddr();
    String accept = request.getHeader("Accept");
    boolean navigation = accept != null && accept.contains("text/html");
    AccessPolicy.Decision decision =
        policy.decide(
            new AccessPolicy.Request(
                request.getMethod(),
                path,
                request.getHeader("Host"),
                request.getHeader("Origin"),
                address,
                loopback(address),
                request.getHeader("Authorization"),
                request.isSecure(),
                sessionCookie(request),
                request.getHeader(Sessions.CSRF_HEADER),
                navigation
                    ? request.getRequestURI()
                        + (request.getQueryString() == null ? "" : "?" + request.getQueryString())
                    : null));
    outcomes.get(decision.outcome()).increment();
    if (request.isSecure() && policy.strictTransport()) {
      response.setHeader("Strict-Transport-Security", "max-age=31536000");
    }
    if (decision.allowed()) {
      // Who it is, for the login routes; only theirs: setting an attribute costs every request.
      if (path.startsWith("/login") || path.equals("/logout"))
        request.setAttribute(LoginServlet.DECISION, decision);
      chain.doFilter(req, res);
      return;
    }
    if (decision.outcome() == AccessPolicy.Outcome.INVALID)
      logFailure(current, address, request.getMethod(), path);
    refuse(response, decision.status(), decision.error(), decision.headers());
  }

  /** The session cookie's value, or null. */
  private static String sessionCookie(HttpServletRequest request) {
    jakarta.servlet.http.Cookie[] cookies = request.getCookies();
    if (cookies == null) return null;
    for (jakarta.servlet.http.Cookie cookie : cookies) {
      if (cookie.getName().equals(Sessions.COOKIE)) return cookie.getValue();
    }
    return null;
  }

  /** The path within the context, decoded (servlet path and path info). */
  private static String path(HttpServletRequest request) {
    String servletPath = request.getServletPath() == null ? "" : request.getServletPath();
    String info = request.getPathInfo() == null ? "" : request.getPathInfo();
    String path = servletPath + info;
    return path.isEmpty() ? "/" : path;
  }

  private static boolean loopback(String address) {
    return address != null
        && (address.startsWith("127.")
            || address.equals("::1")
            || address.equals("0:0:0:0:0:0:0:1"));
  }

  /**
   * The first bad credential of an address in a window, and the one that throttles it, are logged.
   */
  private static void logFailure(Settings current, String address, String method, String path) {
    long retryAfter = current.throttle().retryAfterSeconds(address);
    if (retryAfter > 0) {
      LOG.warn(
          "Access: {} bad credentials from {} within the window; refused (429) for {} s",
          current.failuresMax(),
          address,
          retryAfter);
    } else if (current.throttle().failuresOf(address) == 1) {
      LOG.warn(
          "Access: bad credentials from {} ({} {}); further ones in this window are counted",
          address,
          method,
          AccessPolicy.shown(path));
    }
  }

  private void refuse(
      HttpServletResponse response, int status, String error, Map<String, String> headers)
      throws IOException {
    if (response.isCommitted()) return;
    response.resetBuffer();
    response.setStatus(status);
    headers.forEach(response::setHeader);
    response.setHeader("Cache-Control", "no-store");
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("status", status);
    response.getOutputStream().write(mapper.writeValueAsBytes(body));
  }

  /** The policy in force, null while the tokens cannot be used. */
  AccessPolicy policy() {
    return settings.policy();
  }

  /** Error while the token file cannot be used or the configuration has a bad value. */
  @Override
  public Health health() {
    Health tokenFile = tokens.health();
    if (tokenFile.state() != SensorState.OK) return tokenFile;
    String problem = settings.problem();
    return problem.isEmpty() ? Health.ok() : new Health(SensorState.ERROR, problem);
  }

  @Override
  public Map<String, MetricDescription> metricDescriptions() {
    return Map.ofEntries(
        Map.entry("allowed", MetricDescription.counter("Requests allowed with a credential")),
        Map.entry("anonymous", MetricDescription.counter("Requests allowed without a credential")),
        Map.entry(
            "missingCredential", MetricDescription.counter("Requests refused, no credential")),
        Map.entry("badCredential", MetricDescription.counter("Requests refused, bad credential")),
        Map.entry("forbidden", MetricDescription.counter("Requests refused, role not allowed")),
        Map.entry("throttled", MetricDescription.counter("Requests refused, too many failures")),
        Map.entry("hostRefused", MetricDescription.counter("Requests refused for their Host")),
        Map.entry("originRefused", MetricDescription.counter("Requests refused for their Origin")),
        Map.entry("methodRefused", MetricDescription.counter("Requests refused for their method")),
        Map.entry("throttleAddresses", MetricDescription.gauge("Client addresses being throttled")),
        Map.entry("tokens", MetricDescription.gauge("API tokens configured")),
        Map.entry("browserSessions", MetricDescription.gauge("Browser sessions open")));
  }

  @Override
  public Map<String, Number> metrics() {
    Map<String, Number> metrics = new LinkedHashMap<>();
    metrics.put("allowed", outcomes.get(AccessPolicy.Outcome.ALLOWED).sum());
    metrics.put("anonymous", outcomes.get(AccessPolicy.Outcome.ANONYMOUS).sum());
    metrics.put("missingCredential", outcomes.get(AccessPolicy.Outcome.MISSING).sum());
    metrics.put("badCredential", outcomes.get(AccessPolicy.Outcome.INVALID).sum());
    metrics.put("forbidden", outcomes.get(AccessPolicy.Outcome.FORBIDDEN).sum());
    metrics.put("throttled", outcomes.get(AccessPolicy.Outcome.THROTTLED).sum());
    metrics.put("hostRefused", outcomes.get(AccessPolicy.Outcome.HOST_REFUSED).sum());
    metrics.put("originRefused", outcomes.get(AccessPolicy.Outcome.ORIGIN_REFUSED).sum());
    metrics.put("methodRefused", outcomes.get(AccessPolicy.Outcome.METHOD_REFUSED).sum());
    metrics.put("throttleAddresses", settings.throttle().addresses());
    metrics.put("tokens", tokens.list().size());
    metrics.put("browserSessions", browserSessions.sessions().size());
    return metrics;
  }
}
