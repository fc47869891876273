package io.sensorgw.store.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's settings as values, checked against their ranges. The password is not here, so that
 * printing settings never prints it.
 */
record StoreSettings(
    String jdbcUrl,
    String user,
    int poolSize,
    int batchSize,
    long maxDelayMs,
    int backlogCapacity,
    int backlogDegradedPercent,
    int degradedHoldS,
    int retentionDays,
    int maxBuckets,
    int maxLimit,
    int queryTimeoutS) {

  /**
   * Readings per history page when the request gives no limit (or less when max.limit is lower).
   */
  static final int DEFAULT_LIMIT = 1000;

  static StoreSettings from(StoreConfig config) {
    return new StoreSettings(
        config.jdbc_url(),
        config.user(),
        config.pool_size(),
        config.batch_size(),
        config.max_delay_ms(),
        config.backlog_capacity(),
        config.backlog_degraded_percent(),
        config.degraded_hold_s(),
        config.retention_days(),
        config.max_buckets(),
        config.max_limit(),
        config.query_timeout_s());
  }

  /** The defaults of {@link StoreConfig}, for a given database. */
  static StoreSettings defaults(String jdbcUrl) {
    return new StoreSettings(jdbcUrl, "sa", 4, 500, 1000, 200_000, 50, 300, 30, 10_000, 10_000, 15);
  }

  StoreSettings withBatch(int size, long delayMs, int capacity) {
    return new StoreSettings(
        jdbcUrl,
        user,
        poolSize,
        size,
        delayMs,
        capacity,
        backlogDegradedPercent,
        degradedHoldS,
        retentionDays,
        maxBuckets,
        maxLimit,
        queryTimeoutS);
  }

  StoreSettings withQueryBounds(int buckets, int limit, int timeoutS) {
    return new StoreSettings(
        jdbcUrl,
        user,
        poolSize,
        batchSize,
        maxDelayMs,
        backlogCapacity,
        backlogDegradedPercent,
        degradedHoldS,
        retentionDays,
        buckets,
        limit,
        timeoutS);
  }

  StoreSettings withHealth(int degradedPercent, int holdS) {
    return new StoreSettings(
        jdbcUrl,
        user,
        poolSize,
        batchSize,
        maxDelayMs,
        backlogCapacity,
        degradedPercent,
        holdS,
        retentionDays,
        maxBuckets,
        maxLimit,
        queryTimeoutS);
  }

  int defaultLimit() {
    return Math.min(DEFAULT_LIMIT, maxLimit);
  }

  Duration degradedHold() {
    return Duration.ofSeconds(degradedHoldS);
  }

  /**
   * Each setting outside its range, as "name must be from a to b, was x"; empty when all are fine.
   */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (jdbcUrl == null
        || !(jdbcUrl.startsWith("jdbc:h2:") || jdbcUrl.startsWith("jdbc:postgresql:"))) {
      problems.add(
          "jdbc.url must start with jdbc:h2: or jdbc:postgresql:, was '" + redacted(jdbcUrl) + "'");
    }
    check(problems, "pool.size", poolSize, 1, 64);
    check(problems, "batch.size", batchSize, 1, 10_000);
    check(problems, "max.delay.ms", maxDelayMs, 1, 60_000);
    check(problems, "backlog.capacity", backlogCapacity, 1, 10_000_000);
    check(problems, "backlog.degraded.percent", backlogDegradedPercent, 1, 100);
    check(problems, "degraded.hold.s", degradedHoldS, 1, 86_400);
    check(problems, "retention.days", retentionDays, 0, 36_500);
    check(problems, "max.buckets", maxBuckets, 1, 1_000_000);
    check(problems, "max.limit", maxLimit, 1, 100_000);
    check(problems, "query.timeout.s", queryTimeoutS, 1, 3600);
    return problems;
  }

  private static void check(List<String> problems, String name, long value, long min, long max) {
    if (value < min || value > max)
      problems.add(name + " must be from " + min + " to " + max + ", was " + value);
  }

  /** The URL as logs and answers may show it: a password in it is masked. */
  static String redacted(String url) {
    return url == null ? "" : url.replaceAll("(?i)password=[^;&]*", "password=***");
  }
}
