/**
 * What every driver and consumer shares: the managed executor, the single-flight read cache with
 * sampling, and the publisher through which readings reach the {@code ReadingListener} whiteboard.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package io.sensorgw.core;
