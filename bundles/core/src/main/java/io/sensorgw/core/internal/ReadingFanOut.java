package io.sensorgw.core.internal;

import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.core.ReadingPublisher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.framework.Constants;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@link ReadingListener} whiteboard: every listener gets its own queue and thread. */
@Component(service = ReadingPublisher.class)
public class ReadingFanOut implements ReadingPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(ReadingFanOut.class);
  static final int DEFAULT_CAPACITY = 1024;
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

  private final List<ListenerQueue> queues = new CopyOnWriteArrayList<>();

  @Reference(
      service = ReadingListener.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addListener(ReadingListener listener, Map<String, Object> properties) {
    Object componentName = properties.get("component.name");
    String name =
        (componentName != null ? componentName : listener.getClass().getSimpleName())
            + "-"
            + properties.get(Constants.SERVICE_ID);
    Object filter = properties.get(ReadingListener.SENSOR_FILTER);
    ListenerQueue queue =
        new ListenerQueue(
            name, listener, filter == null ? null : filter.toString(), capacity(properties));
    queues.add(queue);
    queue.start();
  }

  void removeListener(ReadingListener listener) {
    for (ListenerQueue queue : queues) {
      if (queue.listener() == listener) {
        queues.remove(queue);
        if (!queue.close(CLOSE_WAIT)) {
          LOG.warn("Reading listener {} did not stop within {}", queue.stats().name(), CLOSE_WAIT);
        }
      }
    }
  }

  @Override
  public void publish(Reading reading) {
    for (ListenerQueue queue : queues) queue.offer(reading);
  }

  @Override
  public List<ListenerStats> listenerStats() {
    return queues.stream().map(ListenerQueue::stats).toList();
  }

  @Deactivate
  void deactivate() {
    for (ListenerQueue queue : queues) queue.close(CLOSE_WAIT);
    queues.clear();
  }

  private static int capacity(Map<String, Object> properties) {
    Object value = properties.get(ReadingListener.QUEUE_CAPACITY);
    if (value == null) return DEFAULT_CAPACITY;
    try {
      int capacity = Integer.parseInt(value.toString().trim());
      if (capacity > 0) return capacity;
    } catch (NumberFormatException e) {
      // fall through to the warning
    }
    LOG.warn("Ignoring {}={}: not a positive integer", ReadingListener.QUEUE_CAPACITY, value);
    return DEFAULT_CAPACITY;
  }
}
