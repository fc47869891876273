package io.sensorgw.security.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Browser login: {@code GET /login} is a page where a person pastes a token once; its script sends
 * it as {@code Authorization: Bearer} to {@code POST /login}, which the access filter checks like
 * any request (throttled, counted), and which answers with a session cookie ({@code HttpOnly},
 * {@code SameSite=Strict}, {@code Secure} over HTTPS) and the session's CSRF value. {@code GET
 * /login/session} tells a page who it is and that value ({@code via}: {@code session}, {@code
 * token}, {@code anonymous} or {@code none}); {@code POST /logout} ends it. The gateway's icon is
 * here too: the login page shows it before anyone has a session.
 */
@Component(service = Servlet.class)
@HttpWhiteboardServletPattern({
  "/login",
  "/login.js",
  "/login/session",
  "/logout",
  "/favicon.ico",
  "/favicon.svg"
})
public class LoginServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(LoginServlet.class);

  /** Request attribute where the access filter leaves its {@link AccessPolicy.Decision}. */
  static final String DECISION = "io.sensorgw.security.decision";

  /** The login page's own script and style only; never framed. */
  static final String PAGE_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; "
          + "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

  private final transient ObjectMapper mapper = new ObjectMapper();
  private final transient BrowserSessions browserSessions;

  @Activate
  public LoginServlet(@Reference BrowserSessions browserSessions) {
    this.browserSessions = browserSessions;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    switch (path(request)) {
      case "/login" -> resource(response, "login/login.html", "text/html");
      case "/login.js" -> resource(response, "login/login.js", "text/javascript");
      case "/favicon.ico", "/favicon.svg" -> resource(response, "login/icon.svg", "image/svg+xml");
      case "/login/session" -> whoAmI(request, response);
      default -> error(response, 405, "use POST");
    }
  }

  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    switch (path(request)) {
      case "/login" -> login(request, response);
      case "/logout" -> logout(request, response);
      default -> error(response, 405, "use GET");
    }
  }

  private void login(HttpServletRequest request, HttpServletResponse response) throws IOException {
    AccessPolicy.Decision decision = (AccessPolicy.Decision) request.getAttribute(DECISION);
    if (decision == null
        || decision.token() == null) { // the filter lets no other POST /login through
      error(response, 401, "a token is needed: Authorization: Bearer <token>");
      return;
    }
    Sessions.Opened opened = browserSessions.open(decision.token());
    response.setHeader(
        "Set-Cookie",
        Sessions.COOKIE
            + "="
            + opened.cookie()
            + "; Path=/; Max-Age="
            + browserSessions.sessions().lifetimeSeconds()
            + "; HttpOnly; SameSite=Strict"
            + (request.isSecure() ? "; Secure" : ""));
    LOG.info(
        "Access: browser session opened with token '{}' from {}",
        decision.token().name(),
        request.getRemoteAddr());
    json(response, 200, session(decision.token(), opened.session()));
  }

  private void whoAmI(HttpServletRequest request, HttpServletResponse response) throws IOException {
    AccessPolicy.Decision decision = (AccessPolicy.Decision) request.getAttribute(DECISION);
    if (decision == null || decision.token() == null) { // no credential, or anonymous.read
      boolean nobody = decision == null || decision.who().equals(AccessPolicy.NOBODY);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("token", null);
      body.put("scope", nobody ? null : Scope.READ.label());
      body.put("via", nobody ? "none" : "anonymous");
      json(response, 200, body);
      return;
    }
    json(response, 200, session(decision.token(), decision.session()));
  }

  private void logout(HttpServletRequest request, HttpServletResponse response) throws IOException {
    AccessPolicy.Decision decision = (AccessPolicy.Decision) request.getAttribute(DECISION);
    boolean ended = false;
    if (decision != null && decision.session() != null && request.getCookies() != null) {
      for (jakarta.servlet.http.Cookie cookie : request.getCookies()) {
        if (cookie.getName().equals(Sessions.COOKIE))
          ended |= browserSessions.close(cookie.getValue());
      }
    }
    response.setHeader(
        "Set-Cookie",
        Sessions.COOKIE
            + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
            + (request.isSecure() ? "; Secure" : ""));
    json(response, 200, Map.of("loggedOut", ended));
  }

  private static Map<String, Object> session(TokenStore.Token token, Sessions.Session session) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("token", token.name());
    body.put("scope", token.scope().label());
    body.put("via", session == null ? "token" : "session");
    if (session != null) body.put("csrf", session.csrf());
    return body;
  }

  private void resource(HttpServletResponse response, String name, String type) throws IOException {
    try (InputStream in = LoginServlet.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        error(response, 500, "the bundle lacks " + name);
        return;
      }
      response.setContentType(type);
      response.setCharacterEncoding("UTF-8");
      response.setHeader("Content-Security-Policy", PAGE_POLICY);
      response.setHeader("X-Frame-Options", "DENY");
      response.setHeader("X-Content-Type-Options", "nosniff");
      response.setHeader("Referrer-Policy", "no-referrer");
      response.setHeader("Cache-Control", type.startsWith("image/") ? "max-age=86400" : "no-cache");
      in.transferTo(response.getOutputStream());
    }
  }

  private void json(HttpServletResponse response, int status, Map<String, ?> body)
      throws IOException {
    response.setStatus(status);
    response.setHeader("Cache-Control", "no-store");
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    response.getOutputStream().write(mapper.writeValueAsBytes(body));
  }

  private void error(HttpServletResponse response, int status, String message) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.put("status", status);
    json(response, status, body);
  }

  private static String path(HttpServletRequest request) {
    String servletPath = request.getServletPath() == null ? "" : request.getServletPath();
    String info = request.getPathInfo() == null ? "" : request.getPathInfo();
    return servletPath + info;
  }
}
