package io.sensorgw.store.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.core.ManagedExecutor;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
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
 * history queries.
 */
@Component(
    service = {ReadingListener.class, MetricsSource.class, ReadingStore.class},
    configurationPid = ReadingStore.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL,
    property = {MetricsSource.NAME + "=store", ReadingListener.QUEUE_CAPACITY + "=10000"})
@Designate(ocd = StoreConfig.class)
public class ReadingStore implements ReadingListener, MetricsSource {
  static final String PID = "io.sensorgw.store";
  private static final Logger LOG = LoggerFactory.getLogger(ReadingStore.class);

  private final HikariDataSource pool;
  private final BatchWriter writer;
  private final History history;
  private final ManagedExecutor retention = new ManagedExecutor("store-retention", 1, 1);

  @Activate
  public ReadingStore(StoreConfig config,
      @Reference(policyOption = ReferencePolicyOption.GREEDY)
          List<ComponentServiceObjects<DataSourceFactory>> drivers) throws SQLException {
    String url = config.jdbc_url();
    DataSourceFactory factory = driverFor(url, drivers);
    Properties properties = new Properties();
    properties.setProperty(DataSourceFactory.JDBC_URL, url);
    properties.setProperty(DataSourceFactory.JDBC_USER, config.user());
    properties.setProperty(DataSourceFactory.JDBC_PASSWORD, config.password());
    DataSource dataSource = factory.createDataSource(properties);
    HikariConfig hikari = new HikariConfig();
    hikari.setDataSource(dataSource);
    hikari.setPoolName("sensorgw-store");
    hikari.setMaximumPoolSize(Math.max(2, config.pool_size()));
    hikari.setConnectionTimeout(5_000);
    // Start even when the database is down: the writer keeps a backlog and retries.
    hikari.setInitializationFailTimeout(-1);
    pool = new HikariDataSource(hikari);
    String where = url.replaceAll("password=[^;&]*", "password=***");
    try (Connection connection = pool.getConnection()) {
      int before = Schema.migrate(connection);
      LOG.info("Store: {} schema version {} (was {})", where, Schema.latestVersion(), before);
    } catch (SQLException e) {
      if (e.getMessage() != null && e.getMessage().contains("newer than this store knows")) {
        pool.close();
        throw e;
      }
      LOG.warn("Store: {} unreachable at start ({}); readings wait in the backlog", where, Failures.describe(e));
    }
    history = new History(pool);
    writer = new BatchWriter(pool, Math.max(1, config.batch_size()), Duration.ofMillis(config.max_delay_ms()),
        Math.max(1, config.backlog_capacity()), "main");
    writer.start();
    if (config.retention_days() > 0) {
      long keepMs = TimeUnit.DAYS.toMillis(config.retention_days());
      // Queue of one: a pass still running makes the next one skip, never pile up.
      retention.scheduleAtFixedRate(() -> {
        deleteOld(keepMs);
        return null;
      }, Duration.ofMinutes(1), Duration.ofHours(1));
    }
  }

  /** The pooled factory of the driver whose URL prefix matches. */
  private static DataSourceFactory driverFor(String url,
      List<ComponentServiceObjects<DataSourceFactory>> drivers) {
    String wanted = url.startsWith("jdbc:h2:") ? "org.h2.Driver"
        : url.startsWith("jdbc:postgresql:") ? "org.postgresql.Driver" : null;
    if (wanted == null) {
      throw new IllegalArgumentException("jdbc.url must start with jdbc:h2: or jdbc:postgresql:, was " + url);
    }
    for (ComponentServiceObjects<DataSourceFactory> factory : drivers) {
      if (wanted.equals(factory.getServiceReference().getProperty(DataSourceFactory.OSGI_JDBC_DRIVER_CLASS))) {
        return factory.getService();
      }
    }
    throw new IllegalStateException("no JDBC driver " + wanted + " registered as a DataSourceFactory (have "
        + drivers.stream().map(d -> d.getServiceReference().getProperty(DataSourceFactory.OSGI_JDBC_DRIVER_CLASS))
            .toList() + ")");
  }

  private void deleteOld(long keepMs) {
    try {
      long deleted = history.deleteOlderThan(System.currentTimeMillis() - keepMs, 5_000);
      if (deleted > 0) LOG.info("Store: retention deleted {} values", deleted);
    } catch (SQLException | RuntimeException e) {
      LOG.warn("Store: retention failed: {}", e.getMessage());
    }
  }

  @Override
  public void onReading(Reading reading) {
    writer.offer(reading);
  }

  History history() {
    return history;
  }

  @Override
  public Map<String, Number> metrics() {
    Map<String, Number> metrics = new LinkedHashMap<>(writer.metrics());
    metrics.put("poolActive", pool.getHikariPoolMXBean() == null ? 0 : pool.getHikariPoolMXBean().getActiveConnections());
    return metrics;
  }

  @Deactivate
  void deactivate() {
    retention.close(Duration.ofSeconds(5));
    if (!writer.close(Duration.ofSeconds(5))) LOG.warn("Store: writer did not stop within 5 s");
    pool.close();
  }
}
