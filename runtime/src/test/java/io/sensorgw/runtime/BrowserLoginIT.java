package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * A person logs in from a browser (issue #16): the token is pasted once at /login, the browser
 * keeps an HttpOnly, SameSite=Strict session cookie that lets its pages read (fetch, EventSource,
 * WebSocket), a change needs the session's CSRF value besides the cookie, and logging out ends it.
 * In real headless Chromium against the exported gateway.
 */
class BrowserLoginIT {
  @TempDir Path temp;

  @Test
  void aTokenPastedOnceGivesTheBrowserASessionForReadingAndCsrfGuardedChanges() throws Exception {
    Path home = Files.createDirectories(temp.resolve("home"));
    try (RunningGateway gateway = new RunningGateway(home);
        Browser browser = new Browser(home.resolve("chromium"))) {
      String base = "http://127.0.0.1:" + gateway.port;
      String admin = gateway.bearer();
      gateway.await(
          () -> gateway.status("/api/sensors/tfluna-1/reading", admin) == 200, "tfluna-1 reading");

      browser.driver.get(base + "/api/sensors?from=page");
      browser.await().until(ExpectedConditions.urlContains("/login"));
      assertEquals(
          "/login",
          URI.create(browser.driver.getCurrentUrl()).getPath(),
          "a page without a session goes to login");

      browser.driver.findElement(By.id("token")).sendKeys("sgw_not-a-token");
      browser.driver.findElement(By.id("submit")).click();
      browser
          .await()
          .until(
              ExpectedConditions.textMatches(
                  By.id("problem"), java.util.regex.Pattern.compile("not valid")));
      assertEquals(
          null,
          browser.driver.manage().getCookieNamed("sgw_session"),
          "no session for a bad token");

      browser.driver.findElement(By.id("token")).clear();
      browser.driver.findElement(By.id("token")).sendKeys(gateway.token());
      browser.driver.findElement(By.id("submit")).click();
      browser.await().until(ExpectedConditions.urlContains("/api/sensors"));
      browser.await().until(d -> d.getPageSource().contains("\"id\":\"tfluna-1\""));
      assertEquals(
          "from=page",
          URI.create(browser.driver.getCurrentUrl()).getQuery(),
          "back where it was going");

      Cookie cookie = browser.driver.manage().getCookieNamed("sgw_session");
      assertNotNull(cookie, "a session cookie");
      assertTrue(cookie.isHttpOnly(), "HttpOnly");
      assertEquals("Strict", cookie.getSameSite());
      assertFalse(cookie.isSecure(), "plain HTTP: not Secure (it is over HTTPS, below)");
      assertFalse(
          String.valueOf(browser.driver.executeScript("return document.cookie"))
              .contains("sgw_session"),
          "scripts cannot read it");
      assertFalse(
          browser.driver.getPageSource().contains(gateway.token()),
          "the token is nowhere in the page");

      // The page's scripts read with the cookie alone: fetch, the SSE stream and the WebSocket.
      Object stream =
          browser.driver.executeAsyncScript(
              """
          const done = arguments[arguments.length - 1];
          const events = new EventSource('/api/stream?sensor=tfluna-1');
          events.addEventListener('reading', e => { events.close(); done('reading ' + JSON.parse(e.data).sensor); });
          events.onerror = () => { events.close(); done('error'); };""");
      assertEquals(
          "reading tfluna-1", stream, "the stream over EventSource, which cannot send a token");
      Object socket =
          browser.driver.executeAsyncScript(
              """
          const done = arguments[arguments.length - 1];
          const ws = new WebSocket('ws://' + location.host + '/ws?sensor=tfluna-1');
          ws.onmessage = m => { ws.close(); done('message ' + JSON.parse(m.data).sensor); };
          ws.onerror = () => done('error');""");
      assertEquals("message tfluna-1", socket, "the WebSocket with the cookie");

      @SuppressWarnings("unchecked")
      Map<String, Object> session =
          (Map<String, Object>)
              browser.driver.executeAsyncScript(
                  """
          const done = arguments[arguments.length - 1];
          fetch('/login/session').then(r => r.json()).then(done);""");
      assertEquals("admin", session.get("token"));
      assertEquals("session", session.get("via"));
      String csrf = (String) session.get("csrf");
      String calibrate =
          """
          const done = arguments[arguments.length - 1];
          fetch('/api/sensors/mpu6050-1/calibrate?samples=5', {method: 'POST', headers: arguments[0]})
            .then(r => done(r.status));""";
      assertEquals(
          403L,
          browser.driver.executeAsyncScript(calibrate, Map.of()),
          "a change without the CSRF value");
      assertEquals(
          200L,
          browser.driver.executeAsyncScript(calibrate, Map.of("X-CSRF-Token", csrf)),
          "with it");

      browser.driver.get(base + "/login");
      browser.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("logout")));
      assertEquals(
          "admin",
          browser.driver.findElement(By.id("name")).getText(),
          "the login page says who is logged in");
      browser.driver.findElement(By.id("logout")).click();
      browser.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
      assertEquals(
          401L,
          browser.driver.executeAsyncScript(
              """
          const done = arguments[arguments.length - 1];
          fetch('/api/sensors').then(r => done(r.status));"""),
          "logged out: the cookie no longer reads");

      List<LogEntry> errors =
          browser.console().stream()
              .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
              .filter(
                  e ->
                      !e.getMessage()
                          .matches("(?s).*status of (401|403) .*")) // the refusals asserted above
              .toList();
      assertEquals(List.of(), errors, "no other errors in the browser's console");

      // Over HTTPS the cookie is Secure (the certificate is the gateway's own: accepted here for
      // that).
      try (Browser https = new Browser(home.resolve("chromium-https"), true)) {
        https.driver.get("https://127.0.0.1:" + gateway.httpsPort + "/login");
        https.driver.findElement(By.id("token")).sendKeys(gateway.token());
        https.driver.findElement(By.id("submit")).click();
        https.await().until(d -> d.manage().getCookieNamed("sgw_session") != null);
        assertTrue(
            https.driver.manage().getCookieNamed("sgw_session").isSecure(), "Secure over HTTPS");
      }
    }
  }
}
