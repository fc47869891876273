package io.sensorgw.mqtt.internal;

import org.eclipse.paho.client.mqttv3.MqttException;

/**
 * What the {@link SpoolSender} hands messages to: the broker connection ({@link BrokerConnection}),
 * or a test's fake.
 */
interface BrokerClient {
  /**
   * Hands a message over without waiting for the broker. {@code delivery} is told when the broker
   * acknowledged it (QoS 1 and 2) or it was written (QoS 0), on the client's own thread; a lost
   * connection is told to the sender separately ({@link SpoolSender#connectionLost}).
   *
   * @throws IllegalArgumentException the client refuses the message itself: sending it again cannot
   *     help
   * @throws MqttException not sent now (not connected, too many in flight): it is sent again
   */
  void publish(String topic, byte[] payload, int qos, boolean retain, Delivery delivery)
      throws MqttException;

  /** Told when a published message is done. */
  interface Delivery {
    void acknowledged();
  }
}
