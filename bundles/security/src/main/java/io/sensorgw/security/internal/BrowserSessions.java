package io.sensorgw.security.internal;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's one set of browser {@link Sessions}, shared by the access filter (which checks
 * them) and the login routes (which open and end them). A configuration change that leaves the
 * session times as they were keeps every browser logged in.
 */
@Component(service = BrowserSessions.class, configurationPid = Tokens.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class BrowserSessions {
  private static final Logger LOG = LoggerFactory.getLogger(BrowserSessions.class);
  static final int MAX_SESSIONS = 1000;

  private record Times(int idleMinutes, int lifetimeHours) {}

  private volatile Times times;
  private volatile Sessions sessions;

  @Activate
  public BrowserSessions(SecurityConfig config) {
    modified(config);
  }

  @Modified
  void modified(SecurityConfig config) {
    Times wanted = new Times(Math.max(1, Math.min(10080, config.session_idle_minutes())),
        Math.max(1, Math.min(8760, config.session_lifetime_hours())));
    if (wanted.idleMinutes() != config.session_idle_minutes() || wanted.lifetimeHours() != config.session_lifetime_hours()) {
      LOG.warn("Access: session.idle.minutes must be 1..10080 and session.lifetime.hours 1..8760, were {} and {}; "
          + "using {} and {}", config.session_idle_minutes(), config.session_lifetime_hours(), wanted.idleMinutes(),
          wanted.lifetimeHours());
    }
    if (wanted.equals(times)) return;
    if (times != null) LOG.info("Access: browser session times changed; browsers log in again");
    sessions = new Sessions(new SecureRandom(), System::nanoTime, TimeUnit.MINUTES.toNanos(wanted.idleMinutes()),
        TimeUnit.HOURS.toNanos(wanted.lifetimeHours()), MAX_SESSIONS);
    times = wanted;
  }

  Sessions sessions() {
    return sessions;
  }
}
