package io.sensorgw.backpressure.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RoutePatternsTest {
  private final RoutePatterns limited = new RoutePatterns("/api/*", "/*/sensor");
  private final RoutePatterns exempt = new RoutePatterns("/api/stream", "/ws");

  @Test
  void theDefaultRoutesCoverTheSensorApiAndTheOldRoutes() {
    assertTrue(limited.matches("/api/sensors"));
    assertTrue(limited.matches("/api/sensors/tfluna-1/reading"));
    assertTrue(limited.matches("/imx477/sensor"));
    assertTrue(limited.matches("/tfluna/sensor"));
  }

  @Test
  void healthMetricsAndTheConsoleAreNeverLimited() {
    assertFalse(limited.matches("/health"));
    assertFalse(limited.matches("/metrics"));
    assertFalse(limited.matches("/system/console/sensors"));
    assertFalse(limited.matches("/apix/sensors"));
    assertFalse(limited.matches("//sensor"), "'*' is one non-empty segment");
    assertFalse(limited.matches("/a/b/sensor"));
  }

  @Test
  void exemptionsAreExact() {
    assertTrue(exempt.matches("/api/stream"));
    assertTrue(exempt.matches("/ws"));
    assertFalse(exempt.matches("/api/streams"));
    assertFalse(exempt.matches("/api/sensors"));
  }

  @Test
  void aConfigFileListSeparatedByCommasIsSplit() {
    RoutePatterns fromFile = new RoutePatterns("/api/*, /*/sensor");
    assertTrue(fromFile.matches("/api/sensors"));
    assertTrue(fromFile.matches("/tfluna/sensor"));
  }

  @Test
  void aLoneStarMatchesEverythingAndJunkPatternsNothing() {
    assertTrue(new RoutePatterns("/*").matches("/anything/at/all"));
    assertFalse(new RoutePatterns("api", "").matches("/api"));
  }
}
