package io.sensorgw.core.internal;

import io.sensorgw.core.ConfigCheck;
import io.sensorgw.reporting.ReportingRule.Report;

/**
 * {@code report}: when a rule reports. The configuration keeps the text (its metatype options list
 * the same texts); the rule reads it through {@link ConfigCheck#oneOf(String,
 * java.util.function.Supplier, Class)}.
 */
enum ReportChoice implements ConfigCheck.Choice {
  ON_CHANGE("on.change", Report.ON_CHANGE),
  ALWAYS("always", Report.ALWAYS);

  private final String configValue;

  /** What the rule does for this choice. */
  final Report report;

  ReportChoice(String configValue, Report report) {
    this.configValue = configValue;
    this.report = report;
  }

  @Override
  public String configValue() {
    return configValue;
  }
}
