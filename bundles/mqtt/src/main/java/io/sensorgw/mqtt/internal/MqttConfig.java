package io.sensorgw.mqtt.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The settings as ConfigAdmin and the Web Console see them. Metatype min/max are hints for editors;
 * {@link MqttSettings} enforces every range and rule, since a .cfg file bypasses the editor.
 */
@ObjectClassDefinition(
    name = "sensorgw MQTT telemetry",
    description =
        "Publishes every reading to an MQTT broker, through a disk spool that survives "
            + "broker outages and gateway restarts")
@interface MqttConfig {
  @AttributeDefinition(
      name = "Broker URIs",
      description = "tcp://host:1883 or ssl://host:8883; more than one is a failover list")
  String[] broker_uris() default {"tcp://localhost:1883"};

  @AttributeDefinition(
      name = "Gateway id",
      description = "Names this gateway in topics; empty: the host name")
  String gateway_id() default "";

  @AttributeDefinition(name = "Client id", description = "Empty: sensorgw-<gateway id>")
  String client_id() default "";

  @AttributeDefinition(
      name = "Topic prefix",
      description =
          "Empty: sensorgw/<gateway id>. A topic name: no + or # wildcard, no empty level, no leading $, "
              + "no control character, at most 65535 bytes")
  String topic_prefix() default "";

  @AttributeDefinition(name = "User name", required = false)
  String username() default "";

  /** Key {@code .password}: the leading dot keeps it out of the service's properties. */
  @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false)
  String _password() default "";

  @AttributeDefinition(
      name = "TLS CA file",
      required = false,
      description =
          "PEM certificates the broker's certificate must chain to (ssl:// URIs); empty: the JVM's")
  String tls_ca_file() default "";

  @AttributeDefinition(
      name = "TLS client certificate",
      required = false,
      description = "PEM, for brokers that want one")
  String tls_cert_file() default "";

  @AttributeDefinition(
      name = "TLS client key",
      required = false,
      description = "PEM, PKCS#8 (BEGIN PRIVATE KEY)")
  String tls_key_file() default "";

  @AttributeDefinition(
      name = "QoS",
      description = "Default QoS of readings: 0, 1 or 2",
      min = "0",
      max = "2")
  int qos() default 1;

  @AttributeDefinition(
      name = "QoS per sensor",
      required = false,
      description = "sensor-id=qos (0..2), e.g. imu=0")
  String[] qos_per_sensor() default {};

  @AttributeDefinition(
      name = "Reported readings",
      description =
          "true: the readings the sensors' reporting rules pass (io.sensorgw.reporting; every "
              + "reading of a sensor without rules); false: every reading (raw)")
  boolean reading_reported() default true;

  @AttributeDefinition(
      name = "Publish interval (ms)",
      description =
          "At most one reading per sensor per interval; 0 publishes every reading the sensor publishes",
      min = "0",
      max = "86400000")
  long publish_interval_ms() default 0;

  @AttributeDefinition(
      name = "Publish interval per sensor",
      required = false,
      description = "sensor-id=milliseconds (0..86400000), e.g. mpu6050-1=1000")
  String[] publish_interval_per_sensor() default {};

  @AttributeDefinition(
      name = "Retain last reading",
      description = "New subscribers get each sensor's last reading at once")
  boolean retain() default true;

  @AttributeDefinition(name = "Keep-alive (s)", min = "1", max = "65535")
  int keep_alive_s() default 30;

  @AttributeDefinition(
      name = "Max in flight",
      description = "Messages sent and not yet acknowledged",
      min = "1",
      max = "65535")
  int max_inflight() default 1000;

  @AttributeDefinition(name = "Spool folder", description = "Relative to the gateway's home")
  String spool_dir() default "data/mqtt-spool";

  @AttributeDefinition(
      name = "Spool size (MB)",
      description = "Disk kept for messages not yet acknowledged",
      min = "1",
      max = "1048576")
  long spool_max_mb() default 64;

  @AttributeDefinition(
      name = "Spool max age (h)",
      description = "Older unsent messages are dropped and counted",
      min = "1",
      max = "87600")
  long spool_max_age_h() default 168;

  @AttributeDefinition(
      name = "Home Assistant discovery",
      description =
          "Publish retained discovery configs so each sensor value appears in Home Assistant")
  boolean homeassistant_discovery() default false;

  @AttributeDefinition(
      name = "Home Assistant discovery prefix",
      description = "A topic name, as for the topic prefix (no wildcard, no empty level)")
  String homeassistant_prefix() default "homeassistant";

  @AttributeDefinition(
      name = "Home Assistant: expire after at least (s)",
      description =
          "expire_after of each value is the sensor's max age, and at least this (1-86400): "
              + "longer than the longest silence of a healthy sensor (its publish interval or reporting heartbeat)",
      min = "1",
      max = "86400")
  long homeassistant_expire_after_min_s() default 60;

  @AttributeDefinition(
      name = "Reconnect backoff min (ms)",
      description = "First wait after a failed attempt; doubles up to the max",
      min = "100",
      max = "600000")
  long reconnect_min_ms() default 500;

  @AttributeDefinition(
      name = "Reconnect backoff max (ms)",
      description = "Longest wait between attempts; at least the min",
      min = "100",
      max = "3600000")
  long reconnect_max_ms() default 30_000;

  @AttributeDefinition(
      name = "Flush on stop (ms)",
      description =
          "How long stopping waits for unacknowledged messages before closing (they stay spooled)",
      min = "0",
      max = "60000")
  long flush_timeout_ms() default 3000;

  @AttributeDefinition(
      name = "Listener queue",
      description = "Readings held in memory before the spool takes them",
      min = "1",
      max = "1000000")
  int reading_queue_capacity() default 10_000;

  @AttributeDefinition(
      name = "Commands",
      description =
          "Answer commands on <prefix>/<sensor-id>/cmd/<verb> and <prefix>/cmd/config. Whoever may "
              + "publish there (the broker's ACL decides) may read, calibrate and set the allowed keys")
  boolean commands_enabled() default false;

  @AttributeDefinition(
      name = "Commands per second",
      description = "Token bucket refill rate; more get rate_limited",
      min = "1",
      max = "1000")
  int commands_rate_per_s() default 5;

  @AttributeDefinition(
      name = "Command burst",
      description = "Token bucket size: commands accepted at once",
      min = "1",
      max = "1000")
  int commands_burst() default 10;

  @AttributeDefinition(
      name = "Command timeout (ms)",
      description = "A read or calibration not done by then answers failed",
      min = "100",
      max = "3600000")
  long commands_timeout_ms() default 60_000;

  @AttributeDefinition(
      name = "Configuration keys commands may set",
      required = false,
      description =
          "pid:key entries, e.g. io.sensorgw.store:batch.size; empty: none. Never a key starting with '.', "
              + "containing password, secret, command or argument, whatever is listed here")
  String[] commands_config_allow() default {};
}
