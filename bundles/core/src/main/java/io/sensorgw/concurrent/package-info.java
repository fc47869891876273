/**
 * Managed executors: named threads, a bounded queue that fails the stage when full, live statistics
 * and a bounded close; a reconnect loop with backoff and jitter for anything that keeps a
 * connection open. For every bundle that runs work off its caller's thread, drivers and consumers
 * alike.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.sensorgw.concurrent;
