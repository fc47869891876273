package io.sensorgw.mqtt.internal;

import io.sensorgw.api.MetricDescription;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What each metric of the {@code mqtt} metrics source is, by the names {@link MqttTelemetry},
 * {@link Spool}, {@link AlarmPublisher} and {@link Commands} give them: kept in one place, apart
 * from the code that counts, so that /metrics tells counters from gauges.
 */
final class MqttMetrics {
  static final Map<String, MetricDescription> DESCRIPTIONS = descriptions();

  private MqttMetrics() {}

  private static Map<String, MetricDescription> descriptions() {
    Map<String, MetricDescription> d = new LinkedHashMap<>();
    d.put("connected", MetricDescription.gauge("1 while connected and sending, else 0"));
    d.put("connects", MetricDescription.counter("Connections to the broker made"));
    d.put("connectFailures", MetricDescription.counter("Connection attempts that failed"));
    d.put("published", MetricDescription.counter("Messages published"));
    d.put("acknowledged", MetricDescription.counter("Messages the broker acknowledged"));
    d.put("inFlight", MetricDescription.gauge("Messages published, not yet acknowledged"));
    d.put("deadLetters", MetricDescription.counter("Messages set aside, refused or poisoned"));
    d.put("refused", MetricDescription.counter("Messages the broker refused"));
    d.put("heldInMemory", MetricDescription.gauge("Messages held in memory, no spool"));
    d.put("heldDropped", MetricDescription.counter("Messages dropped, memory buffer full"));
    d.put("senderFailures", MetricDescription.counter("Sender loop failures"));
    d.put("settingsProblems", MetricDescription.gauge("Problems in the configuration"));
    d.put("spoolErrors", MetricDescription.counter("Spool operations that failed"));
    d.put("spoolPending", MetricDescription.gauge("Messages in the spool, not yet sent"));
    d.put(
        "spoolBytes",
        MetricDescription.gauge(MetricDescription.BYTES, "Size of the spool's segments"));
    d.put("spoolSegments", MetricDescription.gauge("Spool segment files"));
    d.put("spoolAppended", MetricDescription.counter("Messages appended to the spool"));
    d.put("spoolDroppedFull", MetricDescription.counter("Messages dropped, spool full"));
    d.put("spoolDroppedOld", MetricDescription.counter("Messages dropped, too old"));
    d.put("spoolCorrupt", MetricDescription.counter("Damaged stretches of the spool skipped"));
    d.put(
        "spoolCorruptBytes",
        MetricDescription.counter(MetricDescription.BYTES, "Bytes of damaged spool skipped"));
    d.put("spoolTornTails", MetricDescription.counter("Torn segment ends found at start"));
    d.put("spoolStrayFiles", MetricDescription.counter("Stray files found in the spool folder"));
    d.put("spoolAppendFailures", MetricDescription.counter("Appends to the spool that failed"));
    d.put("alarmsPublished", MetricDescription.counter("Alarm messages published"));
    d.put("alarmsDropped", MetricDescription.counter("Alarm messages dropped"));
    d.put("commandsReceived", MetricDescription.counter("Commands received"));
    d.put("commandsMalformedTopic", MetricDescription.counter("Commands on a malformed topic"));
    d.put("commandsDropped", MetricDescription.counter("Commands dropped, too many at once"));
    d.put("commandsPending", MetricDescription.gauge("Commands being carried out"));
    // One counter per result status, named as Commands.metrics() names it (commandsBadRequest).
    for (Commands.Status status : Commands.Status.values()) {
      StringBuilder name = new StringBuilder("commands");
      for (String word : status.code().split("_"))
        name.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
      d.put(name.toString(), MetricDescription.counter("Commands answered " + status.code()));
    }
    return Map.copyOf(d);
  }
}
