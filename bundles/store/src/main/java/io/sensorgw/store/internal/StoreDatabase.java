package io.sensorgw.store.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's database as a state: the pool, and whether the schema is open for use. Opening
 * (connect and migrate) happens on the writer thread, never in activation. When the connection is
 * lost or H2 closes the database under its connections, the pool is told to replace every
 * connection and the writer opens it again; history queries answer 503 with the reason meanwhile.
 */
final class StoreDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreDatabase.class);

  enum Phase {
    /** Not opened yet. */
    STARTING,
    /** Migrated and in use. */
    OPEN,
    /** Cannot connect (or the connection was lost); the writer keeps trying. */
    UNREACHABLE,
    /**
     * H2 closed the database; the pool's connections are being replaced and the writer reopens it.
     */
    REOPENING,
    /**
     * Will not be used as configured (bad settings, no driver, a schema newer than this bundle).
     */
    REFUSED,
    /** The store stopped. */
    STOPPED
  }

  private final DataSource dataSource;
  private final HikariDataSource pool; // null when the data source is not ours to pool
  private final String where;
  private volatile Phase phase;
  private volatile String reason;
  private final AtomicLong opens = new AtomicLong();
  private final AtomicLong reopens = new AtomicLong();
  private volatile boolean everOpened;

  private StoreDatabase(
      DataSource dataSource, HikariDataSource pool, String where, Phase phase, String reason) {
    this.dataSource = dataSource;
    this.pool = pool;
    this.where = where;
    this.phase = phase;
    this.reason = reason;
  }

  /** How long a write or query waits for a connection before it fails (and says why). */
  static final long CONNECT_TIMEOUT_MS = 5_000;

  /** A HikariCP pool over the driver's data source; never connects here. */
  static StoreDatabase pooled(
      DataSource driver, int poolSize, String where, long connectTimeoutMs) {
    HikariConfig hikari = new HikariConfig();
    hikari.setDataSource(driver);
    hikari.setPoolName("sensorgw-store");
    // The writer holds one connection; history queries must still get one.
    hikari.setMaximumPoolSize(Math.max(2, poolSize));
    hikari.setConnectionTimeout(connectTimeoutMs);
    // Start even when the database is down: the writer keeps a backlog and opens it when it can.
    hikari.setInitializationFailTimeout(-1);
    HikariDataSource pool = new HikariDataSource(hikari);
    return new StoreDatabase(pool, pool, where, Phase.STARTING, "opening " + where);
  }

  /** A data source used as it is (tests that switch it off and on). */
  static StoreDatabase unpooled(DataSource dataSource, String where) {
    return new StoreDatabase(dataSource, null, where, Phase.STARTING, "opening " + where);
  }

  /** A store that cannot work as configured: stays in error with the reason, never connects. */
  static StoreDatabase refused(String problem, String where) {
    return new StoreDatabase(null, null, where, Phase.REFUSED, problem);
  }

  Phase phase() {
    return phase;
  }

  String reason() {
    return reason;
  }

  String where() {
    return where;
  }

  boolean isOpen() {
    return phase == Phase.OPEN;
  }

  /** Whether the writer should try to open it now. */
  boolean needsOpening() {
    Phase now = phase;
    return now == Phase.STARTING
        || now == Phase.UNREACHABLE
        || now == Phase.REOPENING
        || (now == Phase.REFUSED && dataSource != null); // a newer schema may have been replaced
  }

  /** Why queries cannot run now, or null when they can. */
  String unavailableReason() {
    return switch (phase) {
      case OPEN -> null;
      case STARTING -> "store is starting: " + reason;
      case UNREACHABLE -> "database unreachable: " + reason;
      case REOPENING -> "database closed or emptied, reopening: " + reason;
      case REFUSED -> reason;
      case STOPPED -> "store stopped";
    };
  }

  DataSource dataSource() {
    return dataSource;
  }

  /** Connects and brings the schema up to date (on the writer thread). */
  void open() throws SQLException {
    if (dataSource == null) throw new SQLException(reason);
    Phase before = phase;
    try (Connection connection = dataSource.getConnection()) {
      int found = Schema.migrate(connection);
      if (phase == Phase.STOPPED) return;
      phase = Phase.OPEN;
      reason = "";
      opens.incrementAndGet();
      if (!everOpened) {
        everOpened = true;
        LOG.info(
            "Store: {} open, schema version {} (was {})", where, Schema.latestVersion(), found);
      } else if (before == Phase.REOPENING) {
        reopens.incrementAndGet();
        LOG.info("Store: {} reopened with fresh connections", where);
      } else {
        LOG.info("Store: {} reachable again", where);
      }
    } catch (SQLException e) {
      if (phase == Phase.STOPPED) throw e;
      boolean newer = String.valueOf(e.getMessage()).contains("newer than this store knows");
      String why = newer ? e.getMessage() : Failures.describe(e, 300);
      Phase next =
          newer
              ? Phase.REFUSED
              : before == Phase.REOPENING && Failures.classify(e) != Failures.Kind.UNREACHABLE
                  ? Phase.REOPENING
                  : Phase.UNREACHABLE;
      if (next != phase || !why.equals(reason)) {
        LOG.warn("Store: cannot open {}: {}", where, why);
      }
      phase = next;
      reason = why;
      throw e;
    }
  }

  /**
   * A query or write failed in a way that says the database is gone for this pool: {@code kind}
   * CLOSED (H2 closed it), SCHEMA_MISSING (replaced or emptied) or UNREACHABLE. Every pooled
   * connection is replaced (the ones in use when they come back): Hikari keeps a connection whose
   * H2 session was closed, since H2's states (90098, 90121) are not among those it evicts for. The
   * writer then opens (and migrates) the database again.
   */
  void lost(Failures.Kind kind, Throwable failure) {
    if (phase == Phase.STOPPED || phase == Phase.REFUSED) return;
    String why = Failures.describe(failure, 300);
    Phase next = kind == Failures.Kind.UNREACHABLE ? Phase.UNREACHABLE : Phase.REOPENING;
    if (phase != next) {
      if (next == Phase.REOPENING) {
        LOG.warn(
            "Store: the database was closed or emptied under the store ({}); replacing its connections "
                + "and reopening it",
            why);
      } else {
        LOG.warn("Store: lost the database ({}); retrying", why);
      }
    }
    reason = why;
    phase = next;
    evictConnections();
  }

  private void evictConnections() {
    HikariPoolMXBean bean = pool == null ? null : pool.getHikariPoolMXBean();
    if (bean != null) bean.softEvictConnections();
  }

  long opens() {
    return opens.get();
  }

  long reopens() {
    return reopens.get();
  }

  int activeConnections() {
    HikariPoolMXBean bean = pool == null ? null : pool.getHikariPoolMXBean();
    return bean == null ? 0 : bean.getActiveConnections();
  }

  @Override
  public void close() {
    phase = Phase.STOPPED;
    reason = "store stopped";
    if (pool != null) pool.close();
  }
}
