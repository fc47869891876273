package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Hashtable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/**
 * A sensor whose driver bundle is stopping answers 503 with Retry-After, not 404, and comes back.
 */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class DriverSwapTest {
  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  @Test
  void aSensorWhoseBundleStopsIsBeingUpdatedNotGone() throws Exception {
    Gateway gateway = new Gateway(context);
    Configuration config =
        configAdmin.getFactoryConfiguration("io.sensorgw.device.tfluna", "it-swap", "?");
    Hashtable<String, Object> props = new Hashtable<>();
    props.put("sensor.id", "it-swap");
    props.put("mode", "simulated");
    config.update(props);
    Bundle driver =
        Arrays.stream(context.getBundles())
            .filter(b -> "io.sensorgw.device.tfluna".equals(b.getSymbolicName()))
            .findFirst()
            .orElseThrow();
    try {
      gateway.getUntil(
          "/api/sensors/it-swap/reading", r -> r.statusCode() == 200, "simulated sensor up");
      driver.stop();
      HttpResponse<String> stopped = gateway.get("/api/sensors/it-swap/reading");
      assertEquals(503, stopped.statusCode(), stopped.body());
      assertEquals("1", stopped.headers().firstValue("Retry-After").orElse(""));
      assertTrue(stopped.body().contains("being updated"), stopped.body());
      assertEquals(200, gateway.get("/health").statusCode());
      driver.start();
      gateway.getUntil("/api/sensors/it-swap/reading", r -> r.statusCode() == 200, "sensor back");
    } finally {
      if (driver.getState() != Bundle.ACTIVE) driver.start();
      config.delete();
    }
    // Deleting its configuration removes a sensor for good: 404.
    gateway.getUntil("/api/sensors/it-swap/reading", r -> r.statusCode() == 404, "sensor deleted");
  }
}
