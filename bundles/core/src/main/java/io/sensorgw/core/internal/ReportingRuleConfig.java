package io.sensorgw.core.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** One reporting rule: a factory configuration of PID {@code io.sensorgw.reporting}. */
@ObjectClassDefinition(
    name = "sensorgw reporting rule",
    description =
        "Which readings of a sensor are reported to MQTT, the store and streams (those that "
            + "ask for reported readings): on change beyond a deadband, at most one per interval, a "
            + "heartbeat, a window aggregate. A reading is reported when one of its sensor's rules says "
            + "so or its quality changed; a sensor without rules reports every reading.")
@interface ReportingRuleConfig {
  @AttributeDefinition(
      name = "Sensor id",
      description = "The sensor whose readings this rule decides")
  String sensor();

  @AttributeDefinition(
      name = "Value",
      description = "The value's name, e.g. distance; empty for every numeric value of the reading")
  String value() default "";

  @AttributeDefinition(
      name = "Report",
      options = {
        @Option(value = "on.change", label = "On change: when the value moved by the deadband"),
        @Option(
            value = "always",
            label = "Always: every value (or window), within the minimum interval")
      })
  String report() default "on.change";

  @AttributeDefinition(
      name = "Deadband",
      description =
          "The absolute change that counts, in the value's unit, 0-1e12; 0 with a 0 percent "
              + "deadband: any change")
  double deadband() default 0;

  @AttributeDefinition(
      name = "Deadband (%)",
      description =
          "The change that counts, in percent of the last reported value, 0-1000000; with both "
              + "deadbands set the larger counts")
  double deadband_percent() default 0;

  @AttributeDefinition(
      name = "Minimum interval (ms)",
      description = "At most one report per interval, 0-86400000; 0: no limit")
  long min_interval_ms() default 0;

  @AttributeDefinition(
      name = "Heartbeat (ms)",
      description =
          "Report at least this often even without a change, 0-86400000 and not below the "
              + "minimum interval; 0: no heartbeat")
  long max_interval_ms() default 0;

  @AttributeDefinition(
      name = "Window aggregate",
      description = "Report one value per window of readings instead of each",
      options = {
        @Option(value = "none", label = "None"),
        @Option(value = "mean", label = "Mean"),
        @Option(value = "median", label = "Median"),
        @Option(value = "min", label = "Minimum"),
        @Option(value = "max", label = "Maximum")
      })
  String window_aggregate() default "none";

  @AttributeDefinition(
      name = "Window readings",
      description = "A window closes with its N-th reading, 0-65536; 0: not by count")
  int window_count() default 0;

  @AttributeDefinition(
      name = "Window time (ms)",
      description =
          "A window closes with the first reading this long after its first, 0-3600000; 0: "
              + "not by time")
  long window_ms() default 0;

  String webconsole_configurationFactory_nameHint() default "{sensor} {value} {report}";
}
