package io.sensorgw.mqtt.internal;

import io.sensorgw.api.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Home Assistant MQTT discovery: one retained config per sensor value, under one device per
 * sensor, reading its state from the sensor's reading topic with a value template.
 * See https://www.home-assistant.io/integrations/sensor.mqtt/ and /integrations/mqtt/#discovery.
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
    return prefix + "/sensor/" + Topics.segment(gatewayId) + "/" + objectId(sensorId, valueName) + "/config";
  }

  /** The discovery config of one value of one sensor. */
  Map<String, Object> config(String sensorId, String model, String valueName, Value value) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", valueName);
    config.put("unique_id", "sensorgw_" + Topics.segment(gatewayId) + "_" + objectId(sensorId, valueName));
    config.put("object_id", objectId(sensorId, valueName));
    config.put("state_topic", topics.reading(sensorId));
    config.put("value_template", "{{ value_json['values']['" + valueName + "']['value'] }}");
    if (!value.unit().isEmpty()) config.put("unit_of_measurement", value.unit());
    String deviceClass = deviceClass(value.unit());
    if (deviceClass != null) config.put("device_class", deviceClass);
    config.put("state_class", "measurement");
    config.put("availability_topic", topics.status());
    config.put("payload_available", "online");
    config.put("payload_not_available", "offline");
    Map<String, Object> device = new LinkedHashMap<>();
    device.put("identifiers", List.of("sensorgw_" + Topics.segment(gatewayId) + "_" + Topics.segment(sensorId)));
    device.put("name", sensorId);
    device.put("model", model);
    device.put("manufacturer", "sensorgw");
    device.put("via_device", "sensorgw_" + Topics.segment(gatewayId));
    config.put("device", device);
    return config;
  }

  /** Home Assistant's device class for a unit, or null where none fits (acceleration, grey level). */
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
