package io.sensorgw.core.internal;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends OSGi log entries (SCR's component errors, ConfigAdmin, the framework) to the gateway's log;
 * without it they would be kept in memory by the log service and seen by no one.
 */
// Immediate and registering nothing: as a (delayed) LogListener service it would never start.
@Component(
    immediate = true,
    service = {})
public class OsgiLogToSlf4j implements LogListener {
  private final LogReaderService reader;

  @Activate
  public OsgiLogToSlf4j(@Reference LogReaderService reader) {
    this.reader = reader;
    reader.addLogListener(this);
  }

  @Deactivate
  void deactivate() {
    reader.removeLogListener(this);
  }

  @Override
  public void logged(LogEntry entry) {
    String name =
        entry.getLoggerName() == null || entry.getLoggerName().equals("LogService")
            ? "osgi." + entry.getBundle().getSymbolicName()
            : entry.getLoggerName();
    Logger logger = LoggerFactory.getLogger(name);
    String message = entry.getMessage();
    Throwable error = entry.getException();
    switch (entry.getLogLevel()) {
      case AUDIT, ERROR -> logger.error(message, error);
      case WARN -> logger.warn(message, error);
      case INFO -> logger.info(message, error);
      case DEBUG -> logger.debug(message, error);
      default -> logger.trace(message, error);
    }
  }
}
