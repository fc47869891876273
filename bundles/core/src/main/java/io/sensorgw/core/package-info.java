/**
 * What every driver and consumer shares: the managed executor, the single-flight read cache with
 * sampling, and the publisher through which readings reach the {@code ReadingListener} whiteboard.
 *
 * <p>For drivers, the rule of {@code io.sensorgw.api} in one place: {@link
 * io.sensorgw.core.ConfigCheck} checks every setting against its documented range, and {@link
 * io.sensorgw.core.DeviceSensor} registers a sensor with a bad configuration in state ERROR with
 * the problem as its reason, and opens a device off the activation thread with retries.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.5.0")
package io.sensorgw.core;
