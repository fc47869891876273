package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.Value;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every discovery payload against the configuration variables Home Assistant documents for its MQTT
 * component (https://www.home-assistant.io/integrations/sensor.mqtt/, /binary_sensor.mqtt/,
 * /button.mqtt/, and the shared device and availability mappings of /integrations/mqtt/): no key
 * Home Assistant does not know (it refuses such a config), and every required one.
 */
class HomeAssistantSchemaTest {
  /** Options every MQTT entity documents. */
  private static final Set<String> COMMON =
      Set.of(
          "availability",
          "availability_mode",
          "availability_template",
          "availability_topic",
          "device",
          "enabled_by_default",
          "encoding",
          "entity_category",
          "entity_picture",
          "icon",
          "json_attributes_template",
          "json_attributes_topic",
          "name",
          "default_entity_id",
          "origin",
          "payload_available",
          "payload_not_available",
          "platform",
          "qos",
          "unique_id");

  private static final Set<String> SENSOR =
      union(
          COMMON,
          Set.of(
              "device_class",
              "expire_after",
              "force_update",
              "last_reset_value_template",
              "options",
              "suggested_display_precision",
              "state_class",
              "state_topic",
              "unit_of_measurement",
              "value_template"));
  private static final Set<String> BINARY_SENSOR =
      union(
          COMMON,
          Set.of(
              "device_class",
              "expire_after",
              "force_update",
              "off_delay",
              "payload_off",
              "payload_on",
              "state_topic",
              "value_template"));
  private static final Set<String> BUTTON =
      union(
          COMMON,
          Set.of("command_template", "command_topic", "device_class", "payload_press", "retain"));
  private static final Map<String, Set<String>> ALLOWED =
      Map.of("sensor", SENSOR, "binary_sensor", BINARY_SENSOR, "button", BUTTON);
  private static final Map<String, Set<String>> REQUIRED =
      Map.of(
          "sensor",
          Set.of("state_topic"),
          "binary_sensor",
          Set.of("state_topic"),
          "button",
          Set.of("command_topic"));
  private static final Set<String> DEVICE =
      Set.of(
          "configuration_url",
          "connections",
          "hw_version",
          "identifiers",
          "manufacturer",
          "model",
          "model_id",
          "name",
          "serial_number",
          "suggested_area",
          "sw_version",
          "via_device");
  private static final Set<String> AVAILABILITY =
      Set.of("payload_available", "payload_not_available", "topic", "value_template");

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }

  private final Topics topics = new Topics("sensorgw/gw-1");
  private final HomeAssistant ha = new HomeAssistant("homeassistant", "gw-1", topics);

  /** The component is the discovery topic's second level: {@code homeassistant/<component>/...}. */
  private static void assertSchema(String topic, Map<String, Object> config) {
    String component = topic.split("/")[1];
    Set<String> allowed = ALLOWED.get(component);
    assertTrue(allowed != null, "a component the test knows: " + topic);
    for (String key : config.keySet())
      assertTrue(
          allowed.contains(key), topic + ": '" + key + "' is not a " + component + " option");
    for (String key : REQUIRED.get(component))
      assertTrue(config.containsKey(key), topic + ": required '" + key + "' missing");
    assertTrue(
        config.containsKey("unique_id"), topic + ": unique_id, without which there is no device");
    // object_id stopped working in Home Assistant 2026.4; default_entity_id is "<domain>.<object
    // id>".
    assertTrue(
        String.valueOf(config.get("default_entity_id")).startsWith(component + "."),
        topic
            + ": default_entity_id in the component's domain, was "
            + config.get("default_entity_id"));
    assertFalse(
        config.containsKey("availability") && config.containsKey("availability_topic"),
        topic + ": availability and availability_topic must not be used together");
    @SuppressWarnings("unchecked")
    Map<String, Object> device = (Map<String, Object>) config.get("device");
    assertTrue(
        device != null && device.containsKey("identifiers"), topic + ": a device with identifiers");
    for (String key : device.keySet())
      assertTrue(DEVICE.contains(key), topic + ": '" + key + "' is not a device option");
    if (config.containsKey("availability")) {
      for (Object item : (List<?>) config.get("availability")) {
        Map<?, ?> entry = (Map<?, ?>) item;
        assertTrue(entry.containsKey("topic"), topic + ": an availability entry without topic");
        for (Object key : entry.keySet())
          assertTrue(AVAILABILITY.contains(key), topic + ": '" + key + "' in availability");
      }
      assertTrue(
          List.of("all", "any", "latest").contains(config.get("availability_mode")),
          topic + ": availability_mode");
    }
  }

  @Test
  void everyDiscoveryPayloadUsesOnlyDocumentedKeys() {
    assertSchema(
        ha.configTopic("tfluna-1", "distance"),
        ha.config("tfluna-1", "tfluna", "distance", Value.of(1, "cm"), 1));
    assertSchema(
        ha.configTopic("imu", "ax"), ha.config("imu", "mpu6050", "ax", Value.of(1, "g"), 0));
    assertSchema(ha.gatewayConfigTopic(), ha.gatewayConfig());
    assertSchema(ha.buttonConfigTopic("imu", "read"), ha.buttonConfig("imu", "mpu6050", "read"));
    assertSchema(
        ha.buttonConfigTopic("imu", "calibrate"), ha.buttonConfig("imu", "mpu6050", "calibrate"));
    assertSchema(ha.alarmConfigTopic("close"), ha.alarmConfig("close", "tfluna-1"));
  }

  @Test
  void aSensorIsAvailableOnlyWhileGatewayAndSensorAreAndExpiresAfterItsMaxAge() {
    Map<String, Object> config = ha.config("tfluna-1", "tfluna", "distance", Value.of(1, "cm"), 3);
    assertEquals("all", config.get("availability_mode"));
    List<?> availability = (List<?>) config.get("availability");
    assertEquals(
        List.of("sensorgw/gw-1/status", "sensorgw/gw-1/tfluna-1/availability"),
        availability.stream().map(a -> ((Map<?, ?>) a).get("topic")).toList());
    assertEquals(3L, config.get("expire_after"));
    assertEquals(1, HomeAssistant.expireAfterSeconds(Duration.ofMillis(100), 1), "at least 1");
    assertEquals(1, HomeAssistant.expireAfterSeconds(Duration.ZERO, 0), "at least 1");
    assertEquals(2, HomeAssistant.expireAfterSeconds(Duration.ofMillis(1001), 1), "rounded up");
    assertEquals(5, HomeAssistant.expireAfterSeconds(Duration.ofSeconds(5), 1));
    assertEquals(60, HomeAssistant.expireAfterSeconds(Duration.ofMillis(100), 60), "the minimum");
    assertEquals(
        90, HomeAssistant.expireAfterSeconds(Duration.ofSeconds(90), 60), "a longer max age");
  }

  @Test
  void sensorDevicesPointToTheGatewayDevice() {
    Map<?, ?> gateway = (Map<?, ?>) ha.gatewayConfig().get("device");
    assertEquals(List.of(ha.gatewayDeviceId()), gateway.get("identifiers"));
    Map<?, ?> sensor =
        (Map<?, ?>) ha.config("tfluna-1", "tfluna", "distance", Value.of(1, "cm"), 1).get("device");
    assertEquals(ha.gatewayDeviceId(), sensor.get("via_device"));
    Map<?, ?> button = (Map<?, ?>) ha.buttonConfig("tfluna-1", "tfluna", "read").get("device");
    assertEquals(
        sensor.get("identifiers"),
        button.get("identifiers"),
        "the button is in the sensor's device");
  }

  @Test
  void aButtonPublishesACommandWithAnId() throws Exception {
    Map<String, Object> button = ha.buttonConfig("imu", "mpu6050", "calibrate");
    assertEquals("sensorgw/gw-1/imu/cmd/calibrate", button.get("command_topic"));
    String press = (String) button.get("payload_press");
    assertEquals(
        "homeassistant",
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(press).get("id").asText());
    Map<String, Object> alarm = ha.alarmConfig("close", "tfluna-1");
    assertEquals("problem", alarm.get("device_class"));
    assertEquals("sensorgw/gw-1/alarm/close", alarm.get("state_topic"));
  }
}
