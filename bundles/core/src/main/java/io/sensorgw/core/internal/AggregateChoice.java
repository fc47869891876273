package io.sensorgw.core.internal;

import io.sensorgw.core.ConfigCheck;
import io.sensorgw.reporting.Aggregate;

/**
 * {@code window.aggregate}: what one window of readings reports. The configuration keeps the text
 * (its metatype options list the same texts); the rule reads it through {@link
 * ConfigCheck#oneOf(String, java.util.function.Supplier, Class)}.
 */
enum AggregateChoice implements ConfigCheck.Choice {
  NONE("none", Aggregate.NONE),
  MEAN("mean", Aggregate.MEAN),
  MEDIAN("median", Aggregate.MEDIAN),
  MIN("min", Aggregate.MIN),
  MAX("max", Aggregate.MAX);

  private final String configValue;

  /** What the rule does for this choice. */
  final Aggregate aggregate;

  AggregateChoice(String configValue, Aggregate aggregate) {
    this.configValue = configValue;
    this.aggregate = aggregate;
  }

  @Override
  public String configValue() {
    return configValue;
  }
}
