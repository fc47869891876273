/**
 * The driver toolkit: what a device driver builds on, and only drivers import. {@link
 * io.sensorgw.core.SensorReader} gives a driver its read path (max-age cache, single flight,
 * timeout, sampling) and {@link io.sensorgw.core.Measurement} is what a device read returns.
 *
 * <p>For drivers, the rule of {@code io.sensorgw.api} in one place: {@link
 * io.sensorgw.core.ConfigCheck} checks every setting against its documented range, and {@link
 * io.sensorgw.core.DeviceSensor} registers a sensor with a bad configuration in state ERROR with
 * the problem as its reason, and opens a device off the activation thread with retries.
 *
 * <p>What consumers share lives in packages of its own: {@code io.sensorgw.format} (the wire
 * format), {@code io.sensorgw.concurrent} (managed executors), {@code io.sensorgw.fanout} (the
 * reading publisher), {@code io.sensorgw.web} (request checks), {@code io.sensorgw.reporting}. 2.0:
 * those classes moved out of this package.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package io.sensorgw.core;
