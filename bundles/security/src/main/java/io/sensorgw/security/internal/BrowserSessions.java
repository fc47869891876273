package io.sensorgw.security.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's one set of browser {@link Sessions}, shared by the access filter (which checks
 * them) and the login routes (which open and end them through here). They are written to the
 * sessions file (0600) when one opens or ends and when the component stops, and read back when it
 * starts: browsers stay logged in across a restart. A configuration change that leaves the session
 * times as they were keeps every browser logged in.
 */
@Component(
    service = BrowserSessions.class,
    configurationPid = Tokens.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class BrowserSessions {
  private static final Logger LOG = LoggerFactory.getLogger(BrowserSessions.class);
  static final int MAX_SESSIONS = 1000;

  private record Times(int idleMinutes, int lifetimeHours) {}

  private volatile Times times;
  private volatile Sessions sessions;
  private volatile Path file;

  @Activate
  public BrowserSessions(SecurityConfig config) {
    modified(config);
  }

  @Modified
  void modified(SecurityConfig config) {
    Times wanted =
        new Times(
            Math.max(1, Math.min(10080, config.session_idle_minutes())),
            Math.max(1, Math.min(8760, config.session_lifetime_hours())));
    if (wanted.idleMinutes() != config.session_idle_minutes()
        || wanted.lifetimeHours() != config.session_lifetime_hours()) {
      LOG.warn(
          "Access: session.idle.minutes must be 1..10080 and session.lifetime.hours 1..8760, were {} and {}; "
              + "using {} and {}",
          config.session_idle_minutes(),
          config.session_lifetime_hours(),
          wanted.idleMinutes(),
          wanted.lifetimeHours());
    }
    file = Path.of(config.sessions_file()).toAbsolutePath();
    if (wanted.equals(times)) return;
    boolean first = times == null;
    if (!first) LOG.info("Access: browser session times changed; browsers log in again");
    Sessions made =
        new Sessions(
            new SecureRandom(),
            System::nanoTime,
            System::currentTimeMillis,
            TimeUnit.MINUTES.toNanos(wanted.idleMinutes()),
            TimeUnit.HOURS.toNanos(wanted.lifetimeHours()),
            MAX_SESSIONS);
    if (first) {
      try {
        int loaded = made.load(file);
        if (loaded > 0) LOG.info("Access: {} browser sessions carried over from {}", loaded, file);
      } catch (IOException e) {
        LOG.warn(
            "Access: browser sessions not carried over ({}); browsers log in again",
            e.getMessage());
      }
    }
    sessions = made;
    times = wanted;
    if (!first) save();
  }

  /** Opens a session for a token just checked, and writes the sessions down. */
  Sessions.Opened open(TokenStore.Token token) {
    Sessions.Opened opened = sessions.open(token);
    save();
    return opened;
  }

  /** Ends the session a cookie names (logout); whether there was one. */
  boolean close(String cookie) {
    boolean closed = sessions.close(cookie);
    if (closed) save();
    return closed;
  }

  @Deactivate
  void deactivate() {
    save(); // the last uses, which are kept in memory only
  }

  private void save() {
    try {
      sessions.save(file);
    } catch (IOException e) {
      LOG.warn(
          "Access: could not write the browser sessions to {} ({}); they end at the next restart",
          file,
          e.getMessage());
    }
  }

  Sessions sessions() {
    return sessions;
  }
}
