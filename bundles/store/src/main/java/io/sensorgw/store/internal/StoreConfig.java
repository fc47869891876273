package io.sensorgw.store.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@code io.sensorgw.store}. With none, readings go to H2 under data/. */
@ObjectClassDefinition(
    name = "sensorgw reading store",
    description = "Stores every reading in a database: embedded H2 by default, or PostgreSQL.")
@interface StoreConfig {
  @AttributeDefinition(name = "JDBC URL",
      description = "jdbc:h2:file:... (embedded) or jdbc:postgresql://host:5432/db")
  String jdbc_url() default "jdbc:h2:file:./data/readings;DB_CLOSE_ON_EXIT=FALSE";

  @AttributeDefinition(name = "User")
  String user() default "sa";

  @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD)
  String password() default "";

  @AttributeDefinition(name = "Pool size", description = "Database connections")
  int pool_size() default 4;

  @AttributeDefinition(name = "Batch size", description = "Readings per database write")
  int batch_size() default 500;

  @AttributeDefinition(name = "Max delay (ms)",
      description = "A reading waits at most this long before its batch is written")
  long max_delay_ms() default 1000;

  @AttributeDefinition(name = "Backlog capacity",
      description = "Readings held while the database is unreachable; beyond it the oldest are dropped")
  int backlog_capacity() default 200_000;

  @AttributeDefinition(name = "Retention (days)", description = "Older readings are deleted; 0 keeps all")
  int retention_days() default 30;

  @AttributeDefinition(name = "Queue capacity",
      description = "The store's place in the reading fan-out (reading.queue.capacity)")
  int reading_queue_capacity() default 10_000;
}
