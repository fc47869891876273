/**
 * The reading fan-out, a service of the core bundle: drivers publish their readings through it to
 * every {@code ReadingListener}, and any bundle may read its per-listener statistics. Kept apart
 * from the driver toolkit so that a consumer that reports on the fan-out need not import it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.sensorgw.fanout;
