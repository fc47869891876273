package io.sensorgw.mqtt.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "sensorgw MQTT telemetry",
    description = "Publishes every reading to an MQTT broker, through a disk spool that survives "
        + "broker outages and gateway restarts")
@interface MqttConfig {
  @AttributeDefinition(name = "Broker URIs",
      description = "tcp://host:1883 or ssl://host:8883; more than one is a failover list")
  String[] broker_uris() default {"tcp://localhost:1883"};

  @AttributeDefinition(name = "Gateway id", description = "Names this gateway in topics; empty: the host name")
  String gateway_id() default "";

  @AttributeDefinition(name = "Client id", description = "Empty: sensorgw-<gateway id>")
  String client_id() default "";

  @AttributeDefinition(name = "Topic prefix", description = "Empty: sensorgw/<gateway id>")
  String topic_prefix() default "";

  @AttributeDefinition(name = "User name", required = false)
  String username() default "";

  /** Key {@code .password}: the leading dot keeps it out of the service's properties. */
  @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false)
  String _password() default "";

  @AttributeDefinition(name = "TLS CA file", required = false,
      description = "PEM certificates the broker's certificate must chain to (ssl:// URIs); empty: the JVM's")
  String tls_ca_file() default "";

  @AttributeDefinition(name = "TLS client certificate", required = false, description = "PEM, for brokers that want one")
  String tls_cert_file() default "";

  @AttributeDefinition(name = "TLS client key", required = false, description = "PEM, PKCS#8 (BEGIN PRIVATE KEY)")
  String tls_key_file() default "";

  @AttributeDefinition(name = "QoS", description = "Default QoS of readings: 0, 1 or 2")
  int qos() default 1;

  @AttributeDefinition(name = "QoS per sensor", required = false, description = "sensor-id=qos, e.g. imu=0")
  String[] qos_per_sensor() default {};

  @AttributeDefinition(name = "Publish interval (ms)",
      description = "At most one reading per sensor per interval; 0 publishes every reading the sensor publishes")
  long publish_interval_ms() default 0;

  @AttributeDefinition(name = "Publish interval per sensor", required = false,
      description = "sensor-id=milliseconds, e.g. mpu6050-1=1000")
  String[] publish_interval_per_sensor() default {};

  @AttributeDefinition(name = "Retain last reading", description = "New subscribers get each sensor's last reading at once")
  boolean retain() default true;

  @AttributeDefinition(name = "Keep-alive (s)")
  int keep_alive_s() default 30;

  @AttributeDefinition(name = "Max in flight", description = "Messages sent and not yet acknowledged")
  int max_inflight() default 1000;

  @AttributeDefinition(name = "Spool folder", description = "Relative to the gateway's home")
  String spool_dir() default "data/mqtt-spool";

  @AttributeDefinition(name = "Spool size (MB)", description = "Disk kept for messages not yet acknowledged")
  long spool_max_mb() default 64;

  @AttributeDefinition(name = "Spool max age (h)", description = "Older unsent messages are dropped and counted")
  long spool_max_age_h() default 168;

  @AttributeDefinition(name = "Home Assistant discovery",
      description = "Publish retained discovery configs so each sensor value appears in Home Assistant")
  boolean homeassistant_discovery() default false;

  @AttributeDefinition(name = "Home Assistant discovery prefix")
  String homeassistant_prefix() default "homeassistant";

  @AttributeDefinition(name = "Reconnect backoff min (ms)")
  long reconnect_min_ms() default 500;

  @AttributeDefinition(name = "Reconnect backoff max (ms)")
  long reconnect_max_ms() default 30_000;

  @AttributeDefinition(name = "Flush on stop (ms)",
      description = "How long stopping waits for unacknowledged messages before closing (they stay spooled)")
  long flush_timeout_ms() default 3000;

  @AttributeDefinition(name = "Listener queue", description = "Readings held in memory before the spool takes them")
  int reading_queue_capacity() default 10_000;
}
