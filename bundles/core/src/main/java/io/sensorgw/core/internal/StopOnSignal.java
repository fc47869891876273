package io.sensorgw.core.internal;

import java.time.Duration;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the framework in order when the JVM is asked to exit (SIGTERM, Ctrl-C), so that every
 * component deactivates: ports close, executors drain, data is flushed. The bnd launcher of the
 * exported jar does not do this itself.
 */
@Component
public class StopOnSignal {
  private static final Logger LOG = LoggerFactory.getLogger(StopOnSignal.class);
  private static final Duration STOP_WAIT = Duration.ofSeconds(30);

  private final Thread hook;

  @Activate
  public StopOnSignal(BundleContext context) {
    Framework framework = (Framework) context.getBundle(Constants.SYSTEM_BUNDLE_ID);
    hook = new Thread(() -> stop(framework), "sensorgw-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  private static void stop(Framework framework) {
    LOG.info("Shutting down: stopping all bundles (at most {} s)", STOP_WAIT.toSeconds());
    try {
      framework.stop();
      framework.waitForStop(STOP_WAIT.toMillis());
    } catch (BundleException e) {
      LOG.error("Could not stop the framework", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Deactivate
  void deactivate() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down, through this very hook
    }
  }
}
