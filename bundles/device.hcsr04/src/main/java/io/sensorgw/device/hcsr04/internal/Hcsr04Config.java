package io.sensorgw.device.hcsr04.internal;

import io.sensorgw.core.ConfigCheck;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
    name = "sensorgw HC-SR04 over BLE",
    description =
        "An HC-SR04 ultrasonic ranger behind a BLE bridge (GATT notifications), read through BlueZ")
@interface Hcsr04Config {
  @AttributeDefinition(
      name = "Sensor id",
      description = "Unique id, used in routes and topics: 1-64 characters of A-Z a-z 0-9 . _ -")
  String sensor_id() default "hcsr04-1";

  @AttributeDefinition(
      name = "Mode",
      options = {
        @Option(
            value = "ble",
            label = "BLE: a bridge sending notifications, through BlueZ over D-Bus"),
        @Option(value = "simulated", label = "simulated: a target moving between 20 and 300 cm")
      })
  String mode() default "simulated";

  @AttributeDefinition(
      name = "Adapter",
      description = "BlueZ adapter: hci and its number, e.g. hci0")
  String adapter() default "hci0";

  @AttributeDefinition(
      name = "Device address",
      required = false,
      description = "e.g. 24:0A:C4:12:34:56; or give the name")
  String device_address() default "";

  @AttributeDefinition(
      name = "Device name",
      required = false,
      description = "Used when no address is given")
  String device_name() default "";

  @AttributeDefinition(
      name = "GATT service UUID",
      description = "Default: the ESP32 BLE_notify example's")
  String service_uuid() default "4fafc201-1fb5-459e-8fcc-c5c9c331914b";

  @AttributeDefinition(name = "GATT characteristic UUID", description = "The one that notifies")
  String characteristic_uuid() default "beb5483e-36e1-4688-b7f5-ea07361b26a8";

  @AttributeDefinition(
      name = "Payload format",
      options = {
        @Option(value = "uint16le-mm", label = "uint16 little-endian, millimetres"),
        @Option(value = "ascii-cm", label = "ASCII decimal, centimetres"),
        @Option(value = "float32le-cm", label = "float32 little-endian, centimetres"),
        @Option(value = "uint32le-echo-us", label = "uint32 little-endian echo time, microseconds")
      })
  String payload_format() default "uint16le-mm";

  @AttributeDefinition(
      name = "Temperature (°C)",
      description = "-40 to 85; for the speed of sound when the bridge sends echo time",
      min = "-40",
      max = "85")
  double temperature_c() default 20;

  @AttributeDefinition(
      name = "Expected interval (ms)",
      description = "Between notifications, 10-60000; silent for 3 times this, the sensor is stale",
      min = "10",
      max = "60000")
  long expected_interval_ms() default 70;

  @AttributeDefinition(
      name = "Max age (ms)",
      description = "How old a served reading may be, 0-3600000",
      min = "0",
      max = "" + ConfigCheck.MAX_AGE_MS_MAX)
  long max_age_ms() default 250;

  @AttributeDefinition(
      name = "D-Bus address",
      required = false,
      description = "Empty: the system bus (BlueZ); e.g. unix:path=/run/dbus/system_bus_socket")
  String dbus_address() default "";

  @AttributeDefinition(
      name = "Publish interval (ms)",
      description =
          "At most one reading per interval to MQTT, the store and the stream, 0-86400000",
      min = "0",
      max = "" + ConfigCheck.PUBLISH_INTERVAL_MS_MAX)
  long publish_interval_ms() default 0;

  @AttributeDefinition(name = "Simulation seed")
  long simulation_seed() default 1;

  /** The Web Console names each configuration by this (a hint, not a setting). */
  @AttributeDefinition(
      name = "Name hint",
      description = "How the Web Console names this configuration")
  String webconsole_configurationFactory_nameHint() default "HC-SR04 {sensor.id} ({mode})";
}
