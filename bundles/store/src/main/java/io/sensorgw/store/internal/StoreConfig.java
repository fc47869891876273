package io.sensorgw.store.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration PID {@code io.sensorgw.store}. With none, readings go to H2 under data/. A value
 * outside its range puts the store in state error with the setting named (see {@link
 * StoreSettings}).
 */
@ObjectClassDefinition(
    name = "sensorgw reading store",
    description = "Stores every reading in a database: embedded H2 by default, or PostgreSQL.")
@interface StoreConfig {
  @AttributeDefinition(
      name = "JDBC URL",
      description = "jdbc:h2:file:... (embedded) or jdbc:postgresql://host:5432/db")
  // H2's page cache is 64 MB per GB of heap (8 MB with -Xmx128m) and fills as the file grows:
  // 4 MB holds the recent pages the writer and the usual history queries touch.
  String jdbc_url() default "jdbc:h2:file:./data/readings;DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=4096";

  @AttributeDefinition(name = "User")
  String user() default "sa";

  /**
   * Key {@code .password}: the leading dot keeps it out of the service's properties (and the Web
   * Console's service pages). The old key {@code password} is still read, from the raw properties,
   * not declared here: a declared key with a default is published even when nobody set it.
   */
  @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD)
  String _password() default "";

  @AttributeDefinition(
      name = "Reported readings",
      description =
          "true: the readings the sensors' reporting rules pass (io.sensorgw.reporting; every "
              + "reading of a sensor without rules); false: every reading (raw)")
  boolean reading_reported() default true;

  @AttributeDefinition(
      name = "Pool size",
      description = "Database connections (1-64; at least 2 are used)",
      min = "1",
      max = "64")
  int pool_size() default 4;

  @AttributeDefinition(
      name = "Batch size",
      description = "Readings per database write (1-10000)",
      min = "1",
      max = "10000")
  int batch_size() default 500;

  @AttributeDefinition(
      name = "Max delay (ms)",
      description = "A reading waits at most this long before its batch is written (1-60000)",
      min = "1",
      max = "60000")
  long max_delay_ms() default 1000;

  @AttributeDefinition(
      name = "Backlog capacity",
      description =
          "Readings held while the database is unreachable; beyond it the oldest are dropped "
              + "(1-10000000)",
      min = "1",
      max = "10000000")
  int backlog_capacity() default 200_000;

  @AttributeDefinition(
      name = "Backlog degraded (%)",
      description =
          "The store reports degraded while its backlog is at least this share of the capacity (1-100)",
      min = "1",
      max = "100")
  int backlog_degraded_percent() default 50;

  @AttributeDefinition(
      name = "Degraded hold (s)",
      description =
          "The store reports degraded this long after a reading was set aside (dead letter) or "
              + "dropped from a full backlog (1-86400)",
      min = "1",
      max = "86400")
  int degraded_hold_s() default 300;

  @AttributeDefinition(
      name = "Retention (days)",
      description = "Older readings are deleted; 0 keeps all (0-36500)",
      min = "0",
      max = "36500")
  int retention_days() default 30;

  @AttributeDefinition(
      name = "Max buckets",
      description =
          "A history query with every= that would make more buckets is refused with 400 (1-1000000)",
      min = "1",
      max = "1000000")
  int max_buckets() default 10_000;

  @AttributeDefinition(
      name = "Max limit",
      description =
          "The largest limit= a history query may ask for; larger is refused with 400 (1-100000)",
      min = "1",
      max = "100000")
  int max_limit() default 10_000;

  @AttributeDefinition(
      name = "Query timeout (s)",
      description = "A history query running longer is cancelled by the database (1-3600)",
      min = "1",
      max = "3600")
  int query_timeout_s() default 15;

  @AttributeDefinition(
      name = "Queue capacity",
      description = "The store's place in the reading fan-out (reading.queue.capacity)")
  int reading_queue_capacity() default 10_000;
}
