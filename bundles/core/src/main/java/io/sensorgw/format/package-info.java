/**
 * The wire format: the one JSON shape of a reading and of an alarm, for every bundle that sends
 * them (the HTTP API, the live streams, MQTT telemetry, the dashboard). Any bundle may import it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.sensorgw.format;
