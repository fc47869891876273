package io.sensorgw.itest;

import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.core.DeviceSensor;
import io.sensorgw.core.ManagedExecutor;
import io.sensorgw.core.ReadingPublisher;
import io.sensorgw.core.SensorReader;
import java.time.Duration;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** A sensor registered by a test at run time, built from core's executor and reader. */
final class TestSensor extends DeviceSensor implements AutoCloseable {
  private ServiceRegistration<Sensor> registration;

  TestSensor(BundleContext context, String id, Duration maxAge, Duration timeout,
      SensorReader.Acquisition acquisition) {
    ReadingPublisher publisher = context.getService(context.getServiceReference(ReadingPublisher.class));
    SensorInfo info = new SensorInfo(id, "testdev", "distance", true, maxAge, "integration test");
    ManagedExecutor executor = new ManagedExecutor(id, 1, 8);
    attach(new SensorReader(info, executor, timeout, acquisition, publisher::publish), executor);
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

  @Override
  public void close() {
    unregister();
    detach(Duration.ofSeconds(2));
  }
}
