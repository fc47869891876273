/**
 * Frame analysis with OpenCV: luminosity, sharpness and the red laser dot, for camera drivers; and
 * a synthetic scene for simulated cameras and tests.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.sensorgw.vision;
