package io.sensorgw.store.internal;

import io.sensorgw.api.HealthSource;
import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.api.SensorState;
import io.sensorgw.concurrent.ManagedExecutor;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.jdbc.DataSourceFactory;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives every reading (as a {@link ReadingListener}, so it has its own queue in the fan-out and
 * can never slow a sensor), writes them in batches through a pooled JDBC data source made by the
 * driver's OSGi {@link DataSourceFactory}, deletes what is older than the retention, and answers
 * history queries. Activation never touches the database: the writer thread opens it. Its state
 * ({@link HealthSource}, {@code health.name=store}) says whether readings are being stored, and why
 * not.
 */
@Component(
    service = {ReadingListener.class, MetricsSource.class, HealthSource.class, ReadingStore.class},
    configurationPid = ReadingStore.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL,
    property = {
      MetricsSource.NAME + "=store",
      HealthSource.NAME + "=store",
      ReadingListener.QUEUE_CAPACITY + "=10000"
    })
@Designate(ocd = StoreConfig.class)
public class ReadingStore implements ReadingListener, MetricsSource, HealthSource {
  static final String PID = "io.sensorgw.store";
  private static final Logger LOG = LoggerFactory.getLogger(ReadingStore.class);

  private final StoreSettings settings;
  private final StoreDatabase database;
  private final DeadLetters deadLetters = new DeadLetters();
  private final BatchWriter writer;
  private final History history;
  private final QueryCounters queries = new QueryCounters();
  private final ManagedExecutor retention = new ManagedExecutor("store-retention", 1, 1);
  private volatile boolean stopped;

  /** What the history route counts, shown with the store's metrics. */
  static final class QueryCounters {
    final AtomicLong answered = new AtomicLong();
    final AtomicLong refused = new AtomicLong(); // 400: bad parameters or over a bound
    final AtomicLong unknownSensor = new AtomicLong();
    final AtomicLong unavailable = new AtomicLong(); // 503 before querying: database not open
    final AtomicLong timedOut = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
  }

  @Activate
  public ReadingStore(
      StoreConfig config,
      Map<String, Object> properties,
      @Reference(policyOption = ReferencePolicyOption.GREEDY)
          List<ComponentServiceObjects<DataSourceFactory>> drivers) {
    this(
        StoreSettings.from(config),
        openDatabase(StoreSettings.from(config), password(config, properties), drivers));
  }

  /** {@code .password}, or else the old {@code password} key with a warning (it is published). */
  static String password(StoreConfig config, Map<String, Object> properties) {
    Object old = properties.get("password");
    if (!config._password().isEmpty() || old == null || old.toString().isEmpty())
      return config._password();
    LOG.warn(
        "Store: the key 'password' is published in the store's service properties (the Web Console "
            + "shows them); rename it to '.password'");
    return old.toString();
  }

  /**
   * A store on a database the caller made (tests: H2 and PostgreSQL data sources, pooled here),
   * waiting at most {@code connectTimeoutMs} for a connection.
   */
  ReadingStore(StoreSettings settings, DataSource dataSource, long connectTimeoutMs) {
    this(
        settings,
        settings.problems().isEmpty()
            ? StoreDatabase.pooled(
                dataSource,
                settings.poolSize(),
                StoreSettings.redacted(settings.jdbcUrl()),
                connectTimeoutMs)
            : StoreDatabase.refused(
                "configuration: " + String.join("; ", settings.problems()),
                StoreSettings.redacted(settings.jdbcUrl())));
  }

  private ReadingStore(StoreSettings settings, StoreDatabase database) {
    this.settings = settings;
    this.database = database;
    if (database.phase() == StoreDatabase.Phase.REFUSED) {
      LOG.error(
          "Store: not storing readings: {} (readings wait in the backlog until this is fixed)",
          database.reason());
    }
    history = new History(database.dataSource(), settings.queryTimeoutS());
    writer = new BatchWriter(database, deadLetters, settings, "main");
    writer.start();
    if (settings.retentionDays() > 0) {
      long keepMs = TimeUnit.DAYS.toMillis(settings.retentionDays());
      // Queue of one: a pass still running makes the next one skip, never pile up.
      retention.scheduleAtFixedRate(
          () -> {
            deleteOld(keepMs);
            return null;
          },
          Duration.ofMinutes(1),
          Duration.ofHours(1));
    }
  }

  /**
   * The pooled database for these settings, or a refused one saying why (a bad setting, no such
   * driver): the store then stays in error with that one line instead of failing to activate.
   */
  private static StoreDatabase openDatabase(
      StoreSettings settings,
      String password,
      List<ComponentServiceObjects<DataSourceFactory>> drivers) {
    String where = StoreSettings.redacted(settings.jdbcUrl());
    List<String> problems = settings.problems();
    if (!problems.isEmpty())
      return StoreDatabase.refused("configuration: " + String.join("; ", problems), where);
    try {
      DataSourceFactory factory = driverFor(settings.jdbcUrl(), drivers);
      Properties properties = new Properties();
      properties.setProperty(DataSourceFactory.JDBC_URL, settings.jdbcUrl());
      properties.setProperty(DataSourceFactory.JDBC_USER, settings.user());
      properties.setProperty(DataSourceFactory.JDBC_PASSWORD, password);
      return StoreDatabase.pooled(
          factory.createDataSource(properties),
          settings.poolSize(),
          where,
          StoreDatabase.CONNECT_TIMEOUT_MS);
    } catch (SQLException | RuntimeException e) {
      return StoreDatabase.refused("cannot use " + where + ": " + Failures.describe(e, 300), where);
    }
  }

  /** The pooled factory of the driver whose URL prefix matches. */
  private static DataSourceFactory driverFor(
      String url, List<ComponentServiceObjects<DataSourceFactory>> drivers) {
    String wanted =
        url.startsWith("jdbc:h2:")
            ? "org.h2.Driver"
            : url.startsWith("jdbc:postgresql:") ? "org.postgresql.Driver" : null;
    if (wanted == null) {
      throw new IllegalArgumentException("jdbc.url must start with jdbc:h2: or jdbc:postgresql:");
    }
    for (ComponentServiceObjects<DataSourceFactory> factory : drivers) {
      if (wanted.equals(
          factory.getServiceReference().getProperty(DataSourceFactory.OSGI_JDBC_DRIVER_CLASS))) {
        return factory.getService();
      }
    }
    throw new IllegalStateException(
        "no JDBC driver "
            + wanted
            + " registered as a DataSourceFactory (have "
            + drivers.stream()
                .map(
                    d ->
                        d.getServiceReference()
                            .getProperty(DataSourceFactory.OSGI_JDBC_DRIVER_CLASS))
                .toList()
            + ")");
  }

  private void deleteOld(long keepMs) {
    if (!database.isOpen()) return; // the writer is opening it; the next pass deletes
    try {
      long deleted = history.deleteOlderThan(System.currentTimeMillis() - keepMs, 5_000);
      if (deleted > 0) LOG.info("Store: retention deleted {} values", deleted);
    } catch (SQLException | RuntimeException e) {
      LOG.warn("Store: retention failed: {}", Failures.describe(e, 300));
    } catch (Throwable e) { // unexpected: say so; the next hourly pass runs regardless
      LOG.error("Store: retention failed unexpectedly; the next pass runs in an hour", e);
    }
  }

  @Override
  public void onReading(Reading reading) {
    writer.offer(reading);
  }

  History history() {
    return history;
  }

  StoreDatabase database() {
    return database;
  }

  StoreSettings settings() {
    return settings;
  }

  QueryCounters queries() {
    return queries;
  }

  /**
   * OK while readings are written; DEGRADED while writing but readings were set aside (dead
   * letters) or dropped lately, or the backlog is filling; ERROR while nothing can be written
   * (database unreachable, closed and being reopened, refused, writes failing), with the reason.
   */
  @Override
  public Health health() {
    if (stopped) return new Health(SensorState.STOPPED, "store stopped");
    int waiting = writer.waiting();
    String waitingText = waiting == 0 ? "" : "; " + waiting + " readings waiting";
    switch (database.phase()) {
      case STARTING:
        return new Health(SensorState.STARTING, database.reason());
      case OPEN:
        break;
      case STOPPED:
        return new Health(SensorState.STOPPED, "store stopped");
      default:
        return new Health(SensorState.ERROR, database.unavailableReason() + waitingText);
    }
    String failing = writer.failing();
    if (failing != null)
      return new Health(SensorState.ERROR, "writing fails, retrying: " + failing + waitingText);
    String dead = deadLetters.recent(settings.degradedHold());
    if (dead != null) return new Health(SensorState.DEGRADED, dead);
    long drops = writer.recentDrops();
    if (drops > 0) {
      return new Health(
          SensorState.DEGRADED,
          "backlog full ("
              + writer.capacity()
              + "): "
              + drops
              + " oldest readings dropped lately"
              + waitingText);
    }
    int backlog = writer.backlog();
    if ((long) backlog * 100 >= (long) writer.capacity() * settings.backlogDegradedPercent()) {
      return new Health(
          SensorState.DEGRADED,
          "backlog "
              + backlog
              + " of "
              + writer.capacity()
              + " readings (degraded from "
              + settings.backlogDegradedPercent()
              + "%)");
    }
    return Health.ok();
  }

  @Override
  public Map<String, MetricDescription> metricDescriptions() {
    Map<String, MetricDescription> descriptions =
        new LinkedHashMap<>(BatchWriter.METRIC_DESCRIPTIONS);
    descriptions.put("poolActive", MetricDescription.gauge("Database connections in use"));
    descriptions.put(
        "databaseOpens", MetricDescription.counter("Database connection pools opened"));
    descriptions.put(
        "databaseReopens", MetricDescription.counter("Database pool reopened after a loss"));
    descriptions.put("historyAnswered", MetricDescription.counter("History queries answered"));
    descriptions.put(
        "historyRefused", MetricDescription.counter("History queries refused, too many at once"));
    descriptions.put(
        "historyUnknownSensor", MetricDescription.counter("History queries for an unknown sensor"));
    descriptions.put(
        "historyUnavailable",
        MetricDescription.counter("History queries while the database was unavailable"));
    descriptions.put("historyTimedOut", MetricDescription.counter("History queries timed out"));
    descriptions.put("historyFailed", MetricDescription.counter("History queries failed"));
    descriptions.put("up", MetricDescription.gauge("1 when the store is ok or starting, else 0"));
    return descriptions;
  }

  @Override
  public Map<String, Number> metrics() {
    Map<String, Number> metrics = new LinkedHashMap<>(writer.metrics());
    metrics.put("poolActive", database.activeConnections());
    metrics.put("databaseOpens", database.opens());
    metrics.put("databaseReopens", database.reopens());
    metrics.put("historyAnswered", queries.answered.get());
    metrics.put("historyRefused", queries.refused.get());
    metrics.put("historyUnknownSensor", queries.unknownSensor.get());
    metrics.put("historyUnavailable", queries.unavailable.get());
    metrics.put("historyTimedOut", queries.timedOut.get());
    metrics.put("historyFailed", queries.failed.get());
    SensorState state = health().state();
    // As /health counts it: starting is not a fault.
    metrics.put("up", state == SensorState.OK || state == SensorState.STARTING ? 1 : 0);
    return metrics;
  }

  @Deactivate
  void deactivate() {
    stopped = true;
    retention.close(Duration.ofSeconds(5));
    if (!writer.close(Duration.ofSeconds(5))) LOG.warn("Store: writer did not stop within 5 s");
    database.close();
  }
}
