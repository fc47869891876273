/**
 * The sensor contract shared by device drivers and consumers of readings.
 *
 * <p>Drivers register {@link io.sensorgw.api.Sensor} services; consumers find them as services and
 * receive every reading through the {@link io.sensorgw.api.ReadingListener} whiteboard.
 *
 * <p><b>Faults are states.</b> Activation never blocks on, or fails for, a device, a database or a
 * broker; a fault is a state with a one-line reason. A sensor whose configuration is bad or whose
 * device is absent is still registered, in state {@link io.sensorgw.api.SensorState#ERROR} with
 * {@link io.sensorgw.api.Sensor#stateReason()} saying why (e.g. {@code sample.rate.hz must be
 * 4..1000, was 0}), so that {@code /health}, {@code /api/sensors/{id}}, the console and the shell
 * show it. It retries where a retry can help: an absent device is opened again with backoff and the
 * sensor becomes OK when it appears; a bad configuration is not retried, it waits for a corrected
 * one. Meanwhile every read fails at once with that reason (HTTP answers 503 with it). Parts that
 * are not sensors (the store, telemetry) report the same way through {@link
 * io.sensorgw.api.HealthSource}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.9.0")
package io.sensorgw.api;
