package io.sensorgw.api;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: register a service of this type to be told when an alarm is raised or cleared (stream
 * clients, MQTT).
 *
 * <p>On registration a listener is first given every alarm that is active at that moment, then each
 * change as it happens, in order per rule. {@link #onAlarm} is called from the alarms bundle's
 * thread: it must return at once (hand the alarm to your own queue); an exception is logged and
 * counted, and never stops the others.
 */
@ConsumerType
public interface AlarmListener {
  void onAlarm(Alarm alarm);
}
