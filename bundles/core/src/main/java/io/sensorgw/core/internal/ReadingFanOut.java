package io.sensorgw.core.internal;

import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.fanout.ReadingPublisher;
import io.sensorgw.reporting.Reporter;
import io.sensorgw.reporting.ReportingRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ReadingListener} whiteboard: every listener gets its own queue and thread. Each
 * reading is put through its sensor's reporting rules once; listeners get the reported readings, or
 * every reading when they ask for raw ones.
 */
@Component(service = ReadingPublisher.class)
public class ReadingFanOut implements ReadingPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(ReadingFanOut.class);
  static final int DEFAULT_CAPACITY = 1024;
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

  private final List<ListenerQueue> queues = new CopyOnWriteArrayList<>();
  private final Set<ConfiguredReportingRule> configuredRules = ConcurrentHashMap.newKeySet();

  /**
   * Reporters by sensor id, rebuilt (their state restarted) when a rule is added, changed or
   * removed.
   */
  private volatile Map<String, Reporter> reporters = Map.of();

  /** What reporters held or passed before they were replaced, so the counters only grow. */
  private final LongAdder reportedBefore = new LongAdder();

  private final LongAdder heldBefore = new LongAdder();
  private volatile ServiceRegistration<MetricsSource> metricsRegistration;

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
            name,
            listener,
            filter == null ? null : filter.toString(),
            reported(properties),
            capacity(properties));
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

  @Reference(
      service = ConfiguredReportingRule.class,
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addRule(ConfiguredReportingRule rule) {
    configuredRules.add(rule);
    rebuildReporters();
  }

  void removeRule(ConfiguredReportingRule rule) {
    configuredRules.remove(rule);
    rebuildReporters();
  }

  private synchronized void rebuildReporters() {
    Map<String, List<ReportingRule>> bySensor = new HashMap<>();
    for (ConfiguredReportingRule configured : configuredRules) {
      if (configured.rule() == null) continue;
      bySensor
          .computeIfAbsent(configured.sensorId(), id -> new ArrayList<>())
          .add(configured.rule());
    }
    for (Reporter old : reporters.values()) {
      reportedBefore.add(old.reported());
      heldBefore.add(old.held());
    }
    Map<String, Reporter> rebuilt = new HashMap<>();
    bySensor.forEach((sensorId, rules) -> rebuilt.put(sensorId, new Reporter(rules)));
    reporters = Map.copyOf(rebuilt);
  }

  @Override
  public void publish(Reading reading) {
    Reporter reporter = reporters.get(reading.sensorId());
    Reading reported = reporter == null ? reading : reporter.offer(reading);
    for (ListenerQueue queue : queues) {
      if (!queue.reported()) {
        queue.offer(reading);
      } else if (reported != null) {
        queue.offer(reported);
      }
    }
  }

  /**
   * Registers the reporting metrics as a {@link MetricsSource} of its own, not as a service of this
   * component: a reading listener that also shows every metrics source (the console's Sensors page)
   * would otherwise make a cycle with the fan-out that binds it.
   */
  @Activate
  void activate(BundleContext context) {
    Hashtable<String, Object> properties = new Hashtable<>();
    properties.put(MetricsSource.NAME, "reporting");
    metricsRegistration =
        context.registerService(
            MetricsSource.class,
            new MetricsSource() {
              @Override
              public Map<String, Number> metrics() {
                return ReadingFanOut.this.metrics();
              }

              @Override
              public Map<String, MetricDescription> metricDescriptions() {
                return METRIC_DESCRIPTIONS;
              }
            },
            properties);
  }

  private static final Map<String, MetricDescription> METRIC_DESCRIPTIONS =
      Map.of(
          "rules", MetricDescription.gauge("Reporting rules applied"),
          "rulesInError", MetricDescription.gauge("Reporting rules refused for an error"),
          "reported", MetricDescription.counter("Readings passed on to reported listeners"),
          "held", MetricDescription.counter("Readings held back by reporting rules"));

  /** Reporting metrics: rules applied and in error, readings reported and held by rules. */
  Map<String, Number> metrics() {
    long inError = configuredRules.stream().filter(rule -> rule.rule() == null).count();
    long reported = reportedBefore.sum();
    long held = heldBefore.sum();
    for (Reporter reporter : reporters.values()) {
      reported += reporter.reported();
      held += reporter.held();
    }
    return Map.of(
        "rules", configuredRules.size() - inError,
        "rulesInError", inError,
        "reported", reported,
        "held", held);
  }

  @Override
  public List<ListenerStats> listenerStats() {
    return queues.stream().map(ListenerQueue::stats).toList();
  }

  @Deactivate
  void deactivate() {
    ServiceRegistration<MetricsSource> registered = metricsRegistration;
    if (registered != null) {
      metricsRegistration = null;
      registered.unregister();
    }
    for (ListenerQueue queue : queues) queue.close(CLOSE_WAIT);
    queues.clear();
  }

  /**
   * The listener's choice of raw or reported readings: reported unless it says false, in any case.
   */
  static boolean reported(Map<String, Object> properties) {
    Object value = properties.get(ReadingListener.REPORTED);
    if (value == null) return true;
    String text = value.toString().trim();
    if (text.equalsIgnoreCase("false")) return false;
    if (!text.equalsIgnoreCase("true")) {
      LOG.warn(
          "Ignoring {}={}: not true or false; the listener gets reported readings",
          ReadingListener.REPORTED,
          value);
    }
    return true;
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
