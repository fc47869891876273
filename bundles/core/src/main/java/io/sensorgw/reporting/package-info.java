/**
 * Reporting rules: which of a sensor's readings are worth sending on (report by exception, at most
 * one per interval, a heartbeat, a window aggregate), decided in one place for every consumer.
 *
 * <p>A {@link io.sensorgw.reporting.Reporter} holds one sensor's rules and state; the core bundle
 * applies the configured rules (factory PID {@code io.sensorgw.reporting}) once per reading for the
 * listeners that want reported readings, and drivers and MQTT use the same class for their {@code
 * publish.interval.ms}. Decisions use the readings' {@code acquiredAt}, never the wall clock, so
 * the same readings always give the same reports.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.sensorgw.reporting;
