package io.sensorgw.mqtt.internal;

import io.sensorgw.api.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Home Assistant MQTT discovery: one retained config per sensor value, under one device per sensor,
 * reading its state from the sensor's reading topic with a value template. Each sensor device
 * points with {@code via_device} to the gateway's own device (a connectivity {@code binary_sensor}
 * on the status topic). An entity is available while both the gateway is online and its sensor's
 * state is OK ({@code availability_mode: all}); a value expires after the sensor's max age. With
 * commands on, a {@code button} per command; per alarm rule a {@code binary_sensor} of class {@code
 * problem}. See https://www.home-assistant.io/integrations/sensor.mqtt/, /binary_sensor.mqtt/,
 * /button.mqtt/ and /integrations/mqtt/#discovery.
 */
final class HomeAssistant {
  private final String prefix;
  private final String gatewayId;
  private final Topics topics;

  HomeAssistant(String prefix, String gatewayId, Topics topics) {
    this.prefix = prefix;
    this.gatewayId = gatewayId;
    this.topics = topics;
  }

  /** {@code <prefix>/sensor/<gateway>/<sensor>_<value>/config}. */
  String configTopic(String sensorId, String valueName) {
    return prefix
        + "/sensor/"
        + Topics.segment(gatewayId)
        + "/"
        + objectId(sensorId, valueName)
        + "/config";
  }

  /**
   * The discovery config of one value of one sensor.
   *
   * @param expireAfterS seconds after which Home Assistant shows the value unavailable when no
   *     reading came: the sensor's max age, rounded up, at least 1; 0 for none
   */
  Map<String, Object> config(
      String sensorId, String model, String valueName, Value value, long expireAfterS) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", valueName);
    config.put(
        "unique_id", "sensorgw_" + Topics.segment(gatewayId) + "_" + objectId(sensorId, valueName));
    config.put("default_entity_id", "sensor." + objectId(sensorId, valueName));
    config.put("state_topic", topics.reading(sensorId));
    config.put("value_template", "{{ value_json['values']['" + valueName + "']['value'] }}");
    if (!value.unit().isEmpty()) config.put("unit_of_measurement", value.unit());
    String deviceClass = deviceClass(value.unit());
    if (deviceClass != null) config.put("device_class", deviceClass);
    config.put("state_class", "measurement");
    if (expireAfterS > 0) config.put("expire_after", expireAfterS);
    availability(config, sensorId);
    config.put("device", sensorDevice(sensorId, model));
    return config;
  }

  /**
   * {@code expire_after}: the sensor's max age in seconds, rounded up, and at least {@code
   * minimumS}. A max age alone (100 ms for the TF-Luna) would expire a value published once a
   * second, or thinned by a reporting rule, between two readings.
   */
  static long expireAfterSeconds(java.time.Duration maxAge, long minimumS) {
    long millis = Math.max(0, maxAge.toMillis());
    return Math.max(Math.max(1, minimumS), (millis + 999) / 1000);
  }

  /** Available while the gateway is online and the sensor's state is OK. */
  private void availability(Map<String, Object> config, String sensorId) {
    config.put(
        "availability",
        List.of(
            Map.of(
                "topic",
                topics.status(),
                "payload_available",
                "online",
                "payload_not_available",
                "offline"),
            Map.of(
                "topic",
                topics.availability(sensorId),
                "payload_available",
                "online",
                "payload_not_available",
                "offline")));
    config.put("availability_mode", "all");
  }

  private Map<String, Object> sensorDevice(String sensorId, String model) {
    Map<String, Object> device = new LinkedHashMap<>();
    device.put("identifiers", List.of(sensorDeviceId(sensorId)));
    device.put("name", sensorId);
    device.put("model", model);
    device.put("manufacturer", "sensorgw");
    device.put("via_device", gatewayDeviceId());
    return device;
  }

  private String sensorDeviceId(String sensorId) {
    return "sensorgw_" + Topics.segment(gatewayId) + "_" + Topics.segment(sensorId);
  }

  /** The gateway device's identifier, which sensor devices name in {@code via_device}. */
  String gatewayDeviceId() {
    return "sensorgw_" + Topics.segment(gatewayId);
  }

  /** {@code <prefix>/binary_sensor/<gateway>/gateway_status/config}. */
  String gatewayConfigTopic() {
    return prefix + "/binary_sensor/" + Topics.segment(gatewayId) + "/gateway_status/config";
  }

  /** The gateway's own device, with one entity: whether it is online (the status topic). */
  Map<String, Object> gatewayConfig() {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", "status");
    config.put("unique_id", gatewayDeviceId() + "_status");
    config.put("default_entity_id", "binary_sensor." + Topics.segment(gatewayId) + "_status");
    config.put("state_topic", topics.status());
    config.put("payload_on", "online");
    config.put("payload_off", "offline");
    config.put("device_class", "connectivity");
    config.put("entity_category", "diagnostic");
    Map<String, Object> device = new LinkedHashMap<>();
    device.put("identifiers", List.of(gatewayDeviceId()));
    device.put("name", "sensorgw " + gatewayId);
    device.put("model", "gateway");
    device.put("manufacturer", "sensorgw");
    config.put("device", device);
    return config;
  }

  /** {@code <prefix>/button/<gateway>/<sensor>_<verb>/config}. */
  String buttonConfigTopic(String sensorId, String verb) {
    return prefix
        + "/button/"
        + Topics.segment(gatewayId)
        + "/"
        + objectId(sensorId, verb)
        + "/config";
  }

  /** A button that publishes the command {@code verb} to the sensor's command topic. */
  Map<String, Object> buttonConfig(String sensorId, String model, String verb) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", verb);
    config.put(
        "unique_id",
        "sensorgw_" + Topics.segment(gatewayId) + "_" + objectId(sensorId, verb) + "_button");
    config.put("default_entity_id", "button." + objectId(sensorId, verb));
    config.put("command_topic", topics.command(sensorId, verb));
    config.put(
        "payload_press",
        "{\"id\":\"homeassistant\"}"); // a command needs an id; the default PRESS is no JSON
    config.put("qos", 1);
    config.put("retain", false);
    availability(config, sensorId);
    config.put("device", sensorDevice(sensorId, model));
    return config;
  }

  /** {@code <prefix>/binary_sensor/<gateway>/alarm_<rule>/config}. */
  String alarmConfigTopic(String rule) {
    return prefix
        + "/binary_sensor/"
        + Topics.segment(gatewayId)
        + "/alarm_"
        + Topics.segment(rule)
        + "/config";
  }

  /**
   * An alarm rule as a problem sensor, on while the alarm is active, in the device of its sensor.
   */
  Map<String, Object> alarmConfig(String rule, String sensorId) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", "alarm " + rule);
    config.put(
        "unique_id", "sensorgw_" + Topics.segment(gatewayId) + "_alarm_" + Topics.segment(rule));
    config.put(
        "default_entity_id",
        "binary_sensor." + Topics.segment(gatewayId) + "_alarm_" + Topics.segment(rule));
    config.put("state_topic", topics.alarm(rule));
    config.put("value_template", "{{ 'ON' if value_json.active else 'OFF' }}");
    config.put("payload_on", "ON");
    config.put("payload_off", "OFF");
    config.put("device_class", "problem");
    config.put("json_attributes_topic", topics.alarm(rule));
    config.put("availability_topic", topics.status());
    config.put("payload_available", "online");
    config.put("payload_not_available", "offline");
    Map<String, Object> device = new LinkedHashMap<>();
    device.put("identifiers", List.of(sensorDeviceId(sensorId)));
    config.put("device", device);
    return config;
  }

  /**
   * Home Assistant's device class for a unit, or null where none fits (acceleration, grey level).
   */
  static String deviceClass(String unit) {
    return switch (unit.toLowerCase(Locale.ROOT)) {
      case "mm", "cm", "m", "km" -> "distance";
      case "°c", "c", "°f", "k" -> "temperature";
      case "lx" -> "illuminance";
      case "m/s", "km/h" -> "speed";
      default -> null;
    };
  }

  private static String objectId(String sensorId, String valueName) {
    return Topics.segment(sensorId) + "_" + Topics.segment(valueName);
  }
}
