package io.sensorgw.runtime;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Chromium driven through Debian's chromedriver (no driver is downloaded: Selenium is
 * given both programs), with a profile of its own, and what the page wrote to its console. Closing
 * it ends chromedriver and every browser process.
 */
final class Browser implements AutoCloseable {
  final ChromeDriver driver;
  private final ChromeDriverService service;

  Browser(Path profile) throws IOException {
    this(profile, false);
  }

  /** With {@code acceptCertificate}, any server certificate is accepted (for the gateway's own). */
  Browser(Path profile, boolean acceptCertificate) throws IOException {
    this(profile, acceptCertificate, List.of());
  }

  /** With more command-line flags for Chromium. */
  Browser(Path profile, boolean acceptCertificate, List<String> flags) throws IOException {
    Files.createDirectories(profile);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        "--user-data-dir=" + profile);
    options.addArguments(flags);
    options.setAcceptInsecureCerts(acceptCertificate);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(
                new File(System.getenv().getOrDefault("CHROMEDRIVER", "/usr/bin/chromedriver")))
            .usingAnyFreePort()
            .build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(RunningGateway.DEADLINE);
    driver.manage().timeouts().pageLoadTimeout(RunningGateway.DEADLINE);
  }

  /** A wait on the page, bounded by the tests' deadline. */
  WebDriverWait await() {
    WebDriverWait wait = new WebDriverWait(driver, RunningGateway.DEADLINE, Duration.ofMillis(100));
    wait.withMessage(() -> "page " + driver.getCurrentUrl() + ", console " + console());
    return wait;
  }

  /** What the page's scripts and the browser logged since the last call. */
  List<LogEntry> console() {
    return driver.manage().logs().get(LogType.BROWSER).getAll();
  }

  /** A screenshot of the page, kept as a test artifact. */
  Path screenshot(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    return file;
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
    }
  }
}
