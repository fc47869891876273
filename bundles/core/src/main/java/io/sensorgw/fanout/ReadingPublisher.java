package io.sensorgw.fanout;

import io.sensorgw.api.Reading;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Service of the core bundle: hands a reading to every {@code ReadingListener}, each through its
 * own bounded queue and thread. Never blocks the caller.
 */
@ProviderType
public interface ReadingPublisher {
  void publish(Reading reading);

  /** One entry per registered listener. */
  List<ListenerStats> listenerStats();

  /**
   * @param name the listener's component name or class
   * @param queued readings waiting for it
   * @param capacity bound of its queue
   * @param delivered readings it has been handed
   * @param dropped oldest readings dropped because it fell behind
   * @param failed calls that threw
   */
  record ListenerStats(
      String name, int queued, int capacity, long delivered, long dropped, long failed) {}
}
