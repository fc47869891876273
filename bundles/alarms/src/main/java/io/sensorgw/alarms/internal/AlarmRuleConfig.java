package io.sensorgw.alarms.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Factory PID {@code io.sensorgw.alarm}: one alarm rule per configuration. Set {@code value} with
 * {@code below} and/or {@code above} (a value rule), or {@code state} (a sensor-state rule), or
 * {@code stale.ms} (a stale rule). Thresholds are text so that "not set" can be told from 0; the
 * rule reads the raw configuration and refuses a bad one with its reason (it is then listed in
 * error at {@code /api/alarms}), never failing activation.
 */
@ObjectClassDefinition(
    name = "sensorgw alarm rule",
    description =
        "An alarm on a sensor: a value beyond thresholds (with hysteresis and delay), the "
            + "sensor in error or degraded, or no reading for a while")
@interface AlarmRuleConfig {
  @AttributeDefinition(
      name = "Name",
      description =
          "The rule's name, unique: 1-64 characters of A-Z a-z 0-9 . _ - (used in URLs and MQTT topics)")
  String name();

  @AttributeDefinition(name = "Sensor", description = "The id of the sensor watched, e.g. tfluna-1")
  String sensor();

  @AttributeDefinition(
      name = "Value",
      required = false,
      description =
          "Value rule: the reading value watched, e.g. distance, or laser_found for the camera")
  String value() default "";

  @AttributeDefinition(
      name = "Below",
      required = false,
      description = "Value rule: raised when the value is below this number")
  String below() default "";

  @AttributeDefinition(
      name = "Above",
      required = false,
      description = "Value rule: raised when the value is above this number")
  String above() default "";

  @AttributeDefinition(
      name = "Clear above",
      required = false,
      description =
          "Hysteresis of below: a raised alarm clears once the value is above this (default: when "
              + "it is no longer below)")
  String clear_above() default "";

  @AttributeDefinition(
      name = "Clear below",
      required = false,
      description =
          "Hysteresis of above: a raised alarm clears once the value is below this (default: when "
              + "it is no longer above)")
  String clear_below() default "";

  @AttributeDefinition(
      name = "For (ms)",
      required = false,
      description =
          "The condition must hold this long before the alarm is raised: value rules measure it "
              + "on the readings' acquisition times, state rules on the clock (0-86400000)",
      min = "0",
      max = "86400000")
  long for_ms() default 0;

  @AttributeDefinition(
      name = "State",
      required = false,
      description =
          "State rule: raised while the sensor is in this state (degraded includes error)",
      options = {
        @Option(label = "(not a state rule)", value = ""),
        @Option(label = "error", value = "error"),
        @Option(label = "degraded", value = "degraded")
      })
  String state() default "";

  @AttributeDefinition(
      name = "Stale (ms)",
      required = false,
      description =
          "Stale rule: raised when no reading came from the sensor for this long (0: not a stale "
              + "rule; 1-86400000)",
      min = "0",
      max = "86400000")
  long stale_ms() default 0;

  /** The Web Console names each rule configuration by its rule name. */
  @AttributeDefinition(
      name = "Console name hint",
      required = false,
      description = "How the Web Console lists this configuration")
  String webconsole_configurationFactory_nameHint() default "{name}: {sensor} {value}{state}";
}
