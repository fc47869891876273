package io.sensorgw.runtime.alarmsource;

import io.sensorgw.api.Alarm;
import io.sensorgw.api.AlarmListener;
import java.time.Instant;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;
import org.osgi.util.tracker.ServiceTrackerCustomizer;

/**
 * The activator of a bundle a test drops into a gateway's deploy/ folder: it stands in for the
 * alarms bundle, telling every {@link AlarmListener} of the whiteboard that an alarm was raised and
 * cleared, as that bundle does. One class, no lambdas, so that the bundle is this class file alone.
 */
public class AlarmSource
    implements BundleActivator, ServiceTrackerCustomizer<AlarmListener, AlarmListener> {
  public static final String RULE = "it-close";
  public static final Instant RAISED = Instant.parse("2026-01-02T03:04:05Z");
  private BundleContext context;
  private ServiceTracker<AlarmListener, AlarmListener> tracker;

  @Override
  public void start(BundleContext bundleContext) {
    context = bundleContext;
    tracker = new ServiceTracker<>(bundleContext, AlarmListener.class, this);
    tracker.open();
  }

  @Override
  public void stop(BundleContext bundleContext) {
    tracker.close();
  }

  @Override
  public AlarmListener addingService(ServiceReference<AlarmListener> reference) {
    AlarmListener listener = context.getService(reference);
    listener.onAlarm(
        new Alarm(RULE, "tfluna-1", "distance below 30 cm for 500 ms", true, RAISED, 25.5, "cm"));
    listener.onAlarm(
        new Alarm(
            RULE,
            "tfluna-1",
            "distance below 30 cm for 500 ms",
            false,
            RAISED.plusSeconds(3),
            36,
            "cm"));
    return listener;
  }

  @Override
  public void modifiedService(ServiceReference<AlarmListener> reference, AlarmListener service) {}

  @Override
  public void removedService(ServiceReference<AlarmListener> reference, AlarmListener service) {
    context.ungetService(reference);
  }
}
