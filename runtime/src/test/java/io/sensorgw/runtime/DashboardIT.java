package io.sensorgw.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The dashboard at / (issue #19) in headless Chromium against the exported gateway: a card per
 * sensor with live values, a history chart with points, the camera's frame with the laser dot
 * marked where the reading says, a driver updated through deploy/ shown as updating and then live
 * without a reload, a removed sensor's card gone, and no error in the browser's console. The
 * screenshot is kept in target/dashboard.png.
 */
class DashboardIT {
  private static final List<String> SENSORS =
      List.of("tfluna-1", "mpu6050-1", "imx477-1", "hcsr04-1");

  @TempDir Path temp;

  private static By card(String sensor) {
    return By.cssSelector("article[data-sensor='" + sensor + "']");
  }

  private static String text(Browser browser, String sensor, String value) {
    List<WebElement> found =
        browser.driver.findElements(
            By.cssSelector(
                "article[data-sensor='" + sensor + "'] [data-value='" + value + "'] .number"));
    return found.isEmpty() ? "" : found.get(0).getText();
  }

  /**
   * The routes start a moment after /health answers (start level 3): the dashboard's among them.
   */
  private static void awaitDashboard(RunningGateway gateway) throws Exception {
    String admin = gateway.bearer();
    gateway.await(
        () -> gateway.status("/dashboard/dashboard.js", admin) == 200, "the dashboard's routes");
  }

  /**
   * The points a chart holds; the page marks each chart with its count, 0 before its first drawing.
   */
  private static int points(WebElement chart) {
    String points = chart.getDomAttribute("data-points");
    assertNotNull(points, "every chart carries data-points from the page's template");
    return Integer.parseInt(points);
  }

  private static Object script(Browser browser, String script, Object... arguments) {
    return browser.driver.executeScript(script, arguments);
  }

  @Test
  void everySensorLiveItsHistoryTheCameraWithItsDotAndSwapsWithoutAReload() throws Exception {
    Path home = Files.createDirectories(temp.resolve("home"));
    try (RunningGateway gateway = new RunningGateway(home);
        Browser browser = new Browser(home.resolve("chromium"))) {
      String base = "http://127.0.0.1:" + gateway.port;
      awaitDashboard(gateway);
      browser.driver.get(base + "/");
      browser.await().until(ExpectedConditions.urlContains("/login"));
      browser.driver.findElement(By.id("token")).sendKeys(gateway.token());
      browser.driver.findElement(By.id("submit")).click();
      browser.await().until(d -> d.getCurrentUrl().equals(base + "/"));
      script(browser, "window.loadedOnce = true");

      for (String sensor : SENSORS)
        browser.await().until(ExpectedConditions.presenceOfElementLocated(card(sensor)));
      for (String sensor : SENSORS) {
        WebElement badge =
            browser
                .driver
                .findElement(card(sensor))
                .findElement(By.cssSelector(".badge.simulated"));
        assertTrue(badge.isDisplayed(), sensor + " says it is simulated");
      }
      browser.await().until(d -> !text(browser, "tfluna-1", "distance").isEmpty());
      String first = text(browser, "tfluna-1", "distance");
      browser.await().until(d -> !text(browser, "tfluna-1", "distance").equals(first));
      browser.await().until(d -> !text(browser, "mpu6050-1", "accel_z").isEmpty());
      browser
          .await()
          .until(
              d ->
                  points(d.findElement(card("tfluna-1")).findElement(By.cssSelector(".chart.live")))
                      > 1);
      assertEquals(
          "live",
          browser.driver.findElement(By.id("connection")).getDomAttribute("data-connection"));

      // History from the store (the last hour, in buckets).
      browser
          .driver
          .findElement(card("tfluna-1"))
          .findElement(By.cssSelector(".history summary"))
          .click();
      browser
          .await()
          .until(
              d ->
                  points(
                          d.findElement(card("tfluna-1"))
                              .findElement(By.cssSelector(".history-chart")))
                      > 0);
      assertTrue(
          browser
              .driver
              .findElement(card("tfluna-1"))
              .findElement(By.cssSelector(".history-chart canvas"))
              .isDisplayed(),
          "a drawn chart");

      // The camera: frames arrive while its card is on screen, the dot is marked where the latest
      // reading puts it.
      script(
          browser, "arguments[0].scrollIntoView()", browser.driver.findElement(card("imx477-1")));
      browser
          .await()
          .until(
              d ->
                  Boolean.TRUE.equals(
                      script(
                          browser,
                          """
          const img = document.querySelector("article[data-sensor='imx477-1'] .frame img");
          return img.naturalWidth > 0 && Number(img.dataset.frames || 0) >= 2;""")));
      browser
          .await()
          .until(
              d ->
                  Boolean.TRUE.equals(
                      script(
                          browser,
                          """
          const card = document.querySelector("article[data-sensor='imx477-1']");
          const dot = card.querySelector('.dot');
          const number = n => Number(card.querySelector("[data-value='" + n + "'] .number")?.textContent);
          if (dot.hidden || !dot.dataset.x) return false;
          const left = 100 * Number(dot.dataset.x) / number('frame_width');
          return Math.abs(parseFloat(dot.style.left) - left) < 0.01
            && Math.abs(Number(dot.dataset.x) - number('laser_x')) < 0.1;""")));

      browser.screenshot(Path.of("target", "dashboard.png"));

      // A driver updated in place: its card says updating, then is live again, the page not
      // reloaded.
      Path jar = home.resolve("deploy/io.sensorgw.device.tfluna.jar");
      Path staged = jar.resolveSibling("dashboard-swap.tmp");
      Files.write(staged, HotSwapIT.withQualifier(Files.readAllBytes(jar), "dashboardswap"));
      Files.move(staged, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      browser
          .await()
          .until(
              d ->
                  "updating".equals(d.findElement(card("tfluna-1")).getDomAttribute("data-phase")));
      browser
          .await()
          .until(d -> "live".equals(d.findElement(card("tfluna-1")).getDomAttribute("data-phase")));
      String afterSwap = text(browser, "tfluna-1", "distance");
      browser.await().until(d -> !text(browser, "tfluna-1", "distance").equals(afterSwap));
      assertEquals(
          Boolean.TRUE,
          script(browser, "return window.loadedOnce === true"),
          "the page was not reloaded");

      // A sensor removed (its configuration deleted): its card goes.
      Files.delete(home.resolve("config/io.sensorgw.device.hcsr04-sim.cfg"));
      browser.await().until(ExpectedConditions.numberOfElementsToBe(card("hcsr04-1"), 0));
      browser.await().until(ExpectedConditions.presenceOfElementLocated(card("tfluna-1")));

      List<LogEntry> errors =
          browser.console().stream()
              .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
              .toList();
      assertEquals(List.of(), errors, "no errors in the browser's console");
    }
  }

  /**
   * A gateway restart under an open dashboard: the page says it is reconnecting, then carries on
   * live by itself, still logged in (sessions are kept across restarts) and not reloaded.
   */
  @Test
  void theDashboardReconnectsByItselfAfterTheGatewayRestarts() throws Exception {
    Path home = Files.createDirectories(temp.resolve("restart-home"));
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port =
          free.getLocalPort(); // free now; the gateway binds it a moment later (a test-only race)
    }
    try (Browser browser = new Browser(home.resolve("chromium"))) {
      RunningGateway gateway = new RunningGateway(home, false, port);
      try {
        String base = "http://127.0.0.1:" + port;
        awaitDashboard(gateway);
        browser.driver.get(base + "/login?next=/");
        browser.driver.findElement(By.id("token")).sendKeys(gateway.token());
        browser.driver.findElement(By.id("submit")).click();
        browser.await().until(d -> d.getCurrentUrl().equals(base + "/"));
        script(browser, "window.loadedOnce = true");
        browser
            .await()
            .until(
                d ->
                    "live"
                        .equals(
                            d.findElement(By.id("connection")).getDomAttribute("data-connection")));
        browser.await().until(d -> !text(browser, "tfluna-1", "distance").isEmpty());
      } finally {
        gateway.close(); // SIGTERM: the framework stops, the session file is written
      }
      browser
          .await()
          .until(
              d ->
                  "reconnecting"
                      .equals(
                          d.findElement(By.id("connection")).getDomAttribute("data-connection")));
      assertTrue(
          browser.driver.findElement(By.id("connection")).getText().contains("reconnecting"));

      try (RunningGateway again = new RunningGateway(home, false, port)) {
        browser
            .await()
            .until(
                d ->
                    "live"
                        .equals(
                            d.findElement(By.id("connection")).getDomAttribute("data-connection")));
        String before = text(browser, "tfluna-1", "distance");
        browser.await().until(d -> !text(browser, "tfluna-1", "distance").equals(before));
        assertEquals(
            "http://127.0.0.1:" + port + "/",
            browser.driver.getCurrentUrl(),
            "still the dashboard, not the login page");
        assertEquals(
            Boolean.TRUE,
            script(browser, "return window.loadedOnce === true"),
            "the page was not reloaded");
        assertTrue(
            Files.readString(again.log).contains("browser sessions carried over")
                || Files.readString(home.resolve("data/sensorgw.log"))
                    .contains("browser sessions carried over"),
            "the session came back from the file");
      }
    }
  }
}
