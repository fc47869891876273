/**
 * Managed executors: named threads, a bounded queue that fails the stage when full, live statistics
 * and a bounded close. For every bundle that runs work off its caller's thread, drivers and
 * consumers alike.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.sensorgw.concurrent;
