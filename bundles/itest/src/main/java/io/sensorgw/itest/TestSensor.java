package io.sensorgw.itest;

import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.concurrent.ManagedExecutor;
import io.sensorgw.core.DeviceSensor;
import io.sensorgw.core.SensorReader;
import io.sensorgw.fanout.ReadingPublisher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** A sensor registered by a test at run time, built from core's executor and reader. */
final class TestSensor extends DeviceSensor implements AutoCloseable {
  /** Read timeout of a sensor whose reads must succeed: generous, since a busy machine is slow. */
  static final Duration READ_TIMEOUT = Duration.ofMinutes(2);

  private ServiceRegistration<Sensor> registration;
  private final List<Long> published = Collections.synchronizedList(new ArrayList<>());

  TestSensor(
      BundleContext context,
      String id,
      Duration maxAge,
      Duration timeout,
      SensorReader.Acquisition acquisition) {
    ReadingPublisher publisher =
        context.getService(context.getServiceReference(ReadingPublisher.class));
    SensorInfo info = new SensorInfo(id, "testdev", "distance", true, maxAge, "integration test");
    ManagedExecutor executor = new ManagedExecutor(id, 1, 8);
    attach(
        new SensorReader(
            info,
            executor,
            timeout,
            acquisition,
            reading -> {
              published.add(reading.sequence());
              publisher.publish(reading);
            }),
        executor);
  }

  TestSensor register(BundleContext context, String model) {
    Hashtable<String, Object> props = new Hashtable<>();
    props.put(SENSOR_ID, info().id());
    props.put(SENSOR_MODEL, model);
    props.put(SENSOR_KIND, info().kind());
    registration = context.registerService(Sensor.class, this, props);
    return this;
  }

  void unregister() {
    if (registration != null) {
      registration.unregister();
      registration = null;
    }
  }

  /** Samples the device every {@code interval}, publishing each reading. */
  void sampleEvery(Duration interval) {
    reader().sampleEvery(interval);
  }

  /**
   * A copy of the sequences of every reading this sensor handed to the {@link ReadingPublisher}, in
   * order: complete once {@link #close} has returned (a closed reader publishes nothing more).
   */
  List<Long> published() {
    synchronized (published) {
      return List.copyOf(published);
    }
  }

  @Override
  public void close() {
    unregister();
    detach(Duration.ofSeconds(2));
  }
}
