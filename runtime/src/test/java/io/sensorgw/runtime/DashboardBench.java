package io.sensorgw.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The dashboard's costs (issue #19), run by runtime/bench/dashboard only (not an *IT: the test
 * command leaves it out). Prints figures, asserts nothing: the page's weight, the gateway's CPU
 * with no dashboard and with BROWSERS open, and each browser's JavaScript heap (after a forced GC)
 * every minute for HEAP_MINUTES.
 */
class DashboardBench {
  @TempDir Path temp;

  /** CPU seconds the process has used (user + system), from /proc. */
  private static double cpuSeconds(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12]))
        / 100.0; // USER_HZ is 100 on Linux
  }

  private static double cpuPercent(long pid, int seconds) throws Exception {
    double before = cpuSeconds(pid);
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L); // a measuring window, not a synchronisation
    double elapsed = (System.nanoTime() - start) / 1e9;
    return 100 * (cpuSeconds(pid) - before) / elapsed;
  }

  private static double heapMb(Browser browser) {
    Object used =
        browser.driver.executeScript("window.gc(); return performance.memory.usedJSHeapSize;");
    return ((Number) used).doubleValue() / (1024 * 1024);
  }

  @Test
  void figures() throws Exception {
    String[] settings = System.getProperty("sensorgw.dashboard.bench", "4,60,10").split(",");
    int browsers = Integer.parseInt(settings[0].trim());
    int cpuWindow = Integer.parseInt(settings[1].trim());
    int heapMinutes = Integer.parseInt(settings[2].trim());
    Path home = Files.createDirectories(temp.resolve("home"));
    try (RunningGateway gateway = new RunningGateway(home)) {
      String base = "http://127.0.0.1:" + gateway.port;
      String admin = gateway.bearer();
      gateway.await(
          () -> gateway.status("/api/sensors/imx477-1/reading", admin) == 200,
          "the camera reading");
      Thread.sleep(10_000); // start-up work (JIT, first writes) out of the idle window
      double idle = cpuPercent(gateway.pid(), cpuWindow);

      List<Browser> open = new ArrayList<>();
      try {
        for (int i = 0; i < browsers; i++) {
          Browser browser =
              new Browser(
                  home.resolve("chromium-" + i),
                  false,
                  List.of("--js-flags=--expose-gc", "--enable-precise-memory-info"));
          open.add(browser);
          browser.driver.get(base + "/login?next=/");
          browser.driver.findElement(By.id("token")).sendKeys(gateway.token());
          browser.driver.findElement(By.id("submit")).click();
          browser
              .await()
              .until(
                  ExpectedConditions.presenceOfElementLocated(
                      By.cssSelector("article[data-sensor='imx477-1']")));
        }
        Browser first = open.get(0);
        first
            .await()
            .until(
                d ->
                    Boolean.TRUE.equals(
                        first.driver.executeScript(
                            "return Number(document.querySelector(\"article[data-sensor='imx477-1'] .frame img\").dataset.frames || 0) > 2")));
        @SuppressWarnings("unchecked")
        Map<String, Object> weight =
            (Map<String, Object>)
                first.driver.executeScript(
                    """
            const all = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')];
            const counted = all.filter(e => !/frame\\.jpg|\\/api\\/|\\/dashboard\\/(sensors|gateway)|\\/login\\/session|\\/health/.test(e.name));
            return {files: counted.length, bytes: counted.reduce((sum, e) => sum + e.decodedBodySize, 0),
              names: counted.map(e => e.name.replace(location.origin, '') + ' ' + e.decodedBodySize).join(', ')};""");
        System.out.printf(
            "dashboard bench: page weight %.1f KB in %s files (frames, API answers excluded): %s%n",
            ((Number) weight.get("bytes")).doubleValue() / 1024,
            weight.get("files"),
            weight.get("names"));
        Thread.sleep(30_000); // the pages' first requests compile new code paths: out of the window
        double watched = cpuPercent(gateway.pid(), cpuWindow);
        System.out.printf(
            "dashboard bench: gateway CPU %.2f %% of a core with no dashboard, %.2f %% with %d open "
                + "(+%.2f points), each over %d s%n",
            idle, watched, browsers, watched - idle, cpuWindow);
        List<String> rows = new ArrayList<>();
        for (int minute = 0; minute <= heapMinutes; minute++) {
          if (minute > 0) Thread.sleep(60_000);
          StringBuilder row = new StringBuilder(String.format("%3d min:", minute));
          for (Browser browser : open) row.append(String.format(" %6.2f", heapMb(browser)));
          rows.add(row.toString());
          System.out.println("dashboard bench: JS heap MB after GC, per browser, " + row);
        }
      } finally {
        open.forEach(Browser::close);
      }
    }
  }
}
