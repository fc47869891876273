package io.sensorgw.core.internal;

import io.sensorgw.core.ConfigCheck;
import io.sensorgw.reporting.ReportingRule;
import io.sensorgw.reporting.ReportingRule.Report;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured reporting rule, checked once. A bad one is registered all the same, with its
 * problems, and is not applied (the sensor reports every reading): the fan-out counts it and it is
 * logged in one line.
 */
@Component(
    service = ConfiguredReportingRule.class,
    configurationPid = ConfiguredReportingRule.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ReportingRuleConfig.class, factory = true)
public final class ConfiguredReportingRule {
  static final String PID = "io.sensorgw.reporting";
  private static final Logger LOG = LoggerFactory.getLogger(ConfiguredReportingRule.class);
  private static final Pattern ID =
      Pattern.compile("[A-Za-z0-9._-]{1," + ConfigCheck.MAX_ID_LENGTH + "}");
  private static final String ID_RULE =
      "1.." + ConfigCheck.MAX_ID_LENGTH + " characters of A-Z a-z 0-9 . _ -";
  private static final long WINDOW_MS_MAX = 3_600_000;

  private final String sensorId;
  private final ReportingRule rule;
  private final List<String> problems;

  @Activate
  public ConfiguredReportingRule(ReportingRuleConfig config, Map<String, Object> properties) {
    ConfigCheck check = new ConfigCheck(properties);
    sensorId = check.matching("sensor", config::sensor, ID, ID_RULE, true);
    String value = check.matching("value", config::value, ID, ID_RULE, false);
    Report report = check.oneOf("report", config::report, ReportChoice.class).report;
    double deadband = check.numberIn("deadband", config::deadband, 0, 1e12);
    double percent = check.numberIn("deadband.percent", config::deadband_percent, 0, 1_000_000);
    long minMs =
        check.longIn(
            "min.interval.ms", config::min_interval_ms, 0, ConfigCheck.PUBLISH_INTERVAL_MS_MAX);
    long maxMs =
        check.longIn(
            "max.interval.ms", config::max_interval_ms, 0, ConfigCheck.PUBLISH_INTERVAL_MS_MAX);
    AggregateChoice aggregate =
        check.oneOf("window.aggregate", config::window_aggregate, AggregateChoice.class);
    int windowCount =
        check.intIn("window.count", config::window_count, 0, ReportingRule.MAX_WINDOW_VALUES);
    long windowMs = check.longIn("window.ms", config::window_ms, 0, WINDOW_MS_MAX);
    check.require(
        maxMs == 0 || maxMs >= minMs,
        "max.interval.ms must be 0 or at least min.interval.ms (" + minMs + "), was " + maxMs);
    check.require(
        aggregate == AggregateChoice.NONE || windowCount > 0 || windowMs > 0,
        "window.aggregate=" + aggregate.configValue() + " needs window.count or window.ms");
    problems = check.problems();
    rule =
        problems.isEmpty()
            ? new ReportingRule(
                value,
                report,
                deadband,
                percent,
                Duration.ofMillis(minMs),
                Duration.ofMillis(maxMs),
                aggregate.aggregate,
                windowCount,
                Duration.ofMillis(windowMs))
            : null;
    if (rule == null) {
      LOG.warn(
          "Reporting rule {} not applied: {}",
          properties.get("service.pid"),
          String.join("; ", problems));
    }
  }

  /** The sensor it applies to; empty when the configured id is bad. */
  String sensorId() {
    return sensorId;
  }

  /** The rule, or {@code null} when the configuration has problems. */
  ReportingRule rule() {
    return rule;
  }

  /** Why the rule is not applied; empty when it is. */
  List<String> problems() {
    return problems;
  }
}
