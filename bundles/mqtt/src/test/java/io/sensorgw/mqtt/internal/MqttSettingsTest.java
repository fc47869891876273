package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sensorgw.api.Value;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MqttSettingsTest {
  @Test
  void perSensorSettingsReadFromArraysOrOneCommaSeparatedLineAndSkipJunk() {
    java.util.List<String> junk = new java.util.ArrayList<>();
    Map<String, Long> qos =
        MqttSettings.perSensor(new String[] {"imu=0, lidar=2", "broken", "cam=x"}, junk);
    assertEquals(Map.of("imu", 0L, "lidar", 2L), qos);
    assertEquals(
        java.util.List.of("broken", "cam=x"),
        junk,
        "junk is reported (a bad setting), not applied");
  }

  @Test
  void topicsFollowTheDesignAndNamesCannotBreakThem() {
    Topics topics = new Topics("sensorgw/gw-1/");
    assertEquals("sensorgw/gw-1/tfluna-1/reading", topics.reading("tfluna-1"));
    assertEquals("sensorgw/gw-1/status", topics.status());
    assertEquals("a_b_c_d", Topics.segment("a/b+c#d"));
  }

  @Test
  void homeAssistantGetsADeviceClassOnlyWhereOneFits() {
    assertEquals("distance", HomeAssistant.deviceClass("cm"));
    assertEquals("temperature", HomeAssistant.deviceClass("°C"));
    assertEquals("illuminance", HomeAssistant.deviceClass("lx"));
    assertNull(HomeAssistant.deviceClass("g"));
    HomeAssistant ha = new HomeAssistant("homeassistant", "gw 1", new Topics("sensorgw/gw_1"));
    assertEquals(
        "homeassistant/sensor/gw_1/lidar_distance/config", ha.configTopic("lidar", "distance"));
    Map<String, Object> config = ha.config("lidar", "tfluna", "distance", Value.of(1, "cm"), 2);
    assertEquals("sensorgw/gw_1/lidar/reading", config.get("state_topic"));
    assertEquals(
        List.of(
            Map.of(
                "topic",
                "sensorgw/gw_1/status",
                "payload_available",
                "online",
                "payload_not_available",
                "offline"),
            Map.of(
                "topic",
                "sensorgw/gw_1/lidar/availability",
                "payload_available",
                "online",
                "payload_not_available",
                "offline")),
        config.get("availability"));
    assertEquals("all", config.get("availability_mode"));
    assertEquals(2L, config.get("expire_after"));
  }
}
