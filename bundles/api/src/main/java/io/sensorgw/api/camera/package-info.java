/**
 * The camera capability: {@link io.sensorgw.api.camera.FrameSource}, implemented by camera
 * drivers besides {@code Sensor}.
 *
 * <p>A package of its own so that a driver implementing it depends on this package's minor
 * version only: a driver must implement what this package adds, but additions to the rest of
 * {@code io.sensorgw.api} leave it resolvable.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.sensorgw.api.camera;
