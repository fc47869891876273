package io.sensorgw.itest;

import io.sensorgw.api.ExecutorStats;
import io.sensorgw.api.Reading;
import io.sensorgw.api.Sensor;
import io.sensorgw.api.SensorInfo;
import io.sensorgw.api.SensorState;
import io.sensorgw.core.ManagedExecutor;
import io.sensorgw.core.ReadingPublisher;
import io.sensorgw.core.SensorReader;
import java.time.Duration;
import java.util.Hashtable;
import java.util.concurrent.CompletionStage;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/** A sensor registered by a test at run time, built from core's executor and reader. */
final class TestSensor implements Sensor, AutoCloseable {
  private final ManagedExecutor executor;
  private final SensorReader reader;
  private ServiceRegistration<Sensor> registration;

  TestSensor(BundleContext context, String id, Duration maxAge, Duration timeout,
      SensorReader.Acquisition acquisition) {
    ReadingPublisher publisher = context.getService(context.getServiceReference(ReadingPublisher.class));
    SensorInfo info = new SensorInfo(id, "testdev", "distance", true, maxAge, "integration test");
    this.executor = new ManagedExecutor(id, 1, 8);
    this.reader = new SensorReader(info, executor, timeout, acquisition, publisher::publish);
  }

  TestSensor register(BundleContext context, String model) {
    Hashtable<String, Object> props = new Hashtable<>();
    props.put(SENSOR_ID, reader.info().id());
    props.put(SENSOR_MODEL, model);
    props.put(SENSOR_KIND, reader.info().kind());
    registration = context.registerService(Sensor.class, this, props);
    return this;
  }

  void unregister() {
    if (registration != null) {
      registration.unregister();
      registration = null;
    }
  }

  @Override
  public SensorInfo info() {
    return reader.info();
  }

  @Override
  public CompletionStage<Reading> read() {
    return reader.read();
  }

  @Override
  public SensorState state() {
    return reader.state();
  }

  @Override
  public ExecutorStats executorStats() {
    return executor.stats();
  }

  @Override
  public java.util.Map<String, Number> statistics() {
    return reader.stats().toMap();
  }

  @Override
  public void close() {
    unregister();
    reader.close();
    executor.close(Duration.ofSeconds(2));
  }
}
