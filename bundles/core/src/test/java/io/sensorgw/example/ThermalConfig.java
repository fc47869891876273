package io.sensorgw.example;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** The example driver's settings: `config/io.sensorgw.example.thermal-NAME.cfg`. */
@ObjectClassDefinition(
    name = "sensorgw thermal zone (example)",
    description = "A Linux thermal zone, e.g. a Raspberry Pi's SoC temperature")
@interface ThermalConfig {
  @AttributeDefinition(name = "Sensor id", description = "1-64 characters of A-Z a-z 0-9 . _ -")
  String sensor_id() default "soc-temperature";

  @AttributeDefinition(
      name = "Mode",
      options = {
        @Option(value = "hardware", label = "Hardware: read the thermal zone file"),
        @Option(value = "simulated", label = "Simulated: a seeded drift, marked simulated")
      })
  String mode() default "hardware";

  @AttributeDefinition(name = "Zone file", description = "Millidegrees Celsius as text")
  String zone_file() default "/sys/class/thermal/thermal_zone0/temp";

  @AttributeDefinition(name = "Max age (ms)", description = "How old a served reading may be")
  long max_age_ms() default 1000;

  @AttributeDefinition(name = "Read timeout (ms)", description = "How long a read may take")
  long read_timeout_ms() default 500;

  @AttributeDefinition(name = "Publish interval (ms)", description = "0 publishes every reading")
  long publish_interval_ms() default 0;

  @AttributeDefinition(name = "Simulation seed", description = "Same seed, same readings")
  long simulation_seed() default 1;
}
