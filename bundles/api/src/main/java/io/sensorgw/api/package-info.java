/**
 * The sensor contract shared by device drivers and consumers of readings.
 *
 * <p>Drivers register {@link io.sensorgw.api.Sensor} services; consumers find them as services and
 * receive every reading through the {@link io.sensorgw.api.ReadingListener} whiteboard.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.6.0")
package io.sensorgw.api;
