package io.sensorgw.security.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.SensorState;
import io.sensorgw.testing.Configs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessFilterSettingsTest {
  @TempDir Path dir;

  /** A configuration with the annotation's defaults but for {@code properties}, as DS makes it. */
  private static SecurityConfig config(Map<String, Object> properties) {
    return Configs.of(SecurityConfig.class, properties);
  }

  private static AccessPolicy.Request plainGet(String path, String token) {
    return new AccessPolicy.Request(
        "GET", path, "localhost:8000", null, "10.0.0.9", false, "Bearer " + token);
  }

  @Test
  void anUnknownHttpModeClosesPlainHttpAndIsAnErrorUntilFixed() throws Exception {
    Tokens tokens = new Tokens(dir.resolve("data/tokens.json"), dir.resolve("data/admin-token"));
    String admin = Files.readString(dir.resolve("data/admin-token")).trim();
    SecurityConfig typo = config(Map.of("http.mode", "healthonly"));
    AccessFilter filter = new AccessFilter(typo, tokens, new BrowserSessions(typo));

    assertEquals(SensorState.ERROR, filter.health().state());
    assertTrue(
        filter.health().reason().contains("http.mode must be both, redirect or health-only"),
        filter.health().reason());
    assertTrue(filter.health().reason().contains("'healthonly'"), filter.health().reason());
    // Not opened as 'both' would: plain HTTP answers /health only, even with an admin token.
    assertFalse(filter.policy().decide(plainGet("/api/sensors", admin)).allowed());
    assertTrue(filter.policy().decide(plainGet("/health", null)).allowed());

    filter.apply(config(Map.of("http.mode", "both")));
    assertEquals(SensorState.OK, filter.health().state());
    assertTrue(filter.policy().decide(plainGet("/api/sensors", admin)).allowed());
  }
}
