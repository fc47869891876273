package io.sensorgw.console.internal;

import io.sensorgw.web.FailureThrottle;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;

/**
 * How many wrong console passwords an address may send per window: the gateway's one setting for
 * bad credentials, in access control's PID {@code io.sensorgw.security} (described there). A
 * component of its own, so that {@link ConsoleLogin}'s registration never changes with it.
 */
@Component(
    service = LoginThrottle.class,
    configurationPid = "io.sensorgw.security",
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class LoginThrottle {
  /** The keys this reads from the PID. */
  @interface Config {
    int failures_max() default 10;

    int failures_window_s() default 60;
  }

  private volatile FailureThrottle throttle;
  private volatile int failuresMax;

  /** The defaults: 10 per 60 s. */
  public LoginThrottle() {
    apply(10, 60);
  }

  @Activate
  @Modified
  void configure(Config config) {
    apply(config.failures_max(), config.failures_window_s());
  }

  private void apply(int max, int windowS) {
    failuresMax = Math.max(1, Math.min(1000, max));
    throttle =
        new FailureThrottle(
            failuresMax,
            TimeUnit.SECONDS.toNanos(Math.max(1, Math.min(3600, windowS))),
            System::nanoTime);
  }

  FailureThrottle throttle() {
    return throttle;
  }

  int failuresMax() {
    return failuresMax;
  }
}
