package io.sensorgw.http.websocket.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.sensorgw.api.Alarm;
import io.sensorgw.api.AlarmListener;
import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.format.ReadingFormat;
import java.nio.ByteBuffer;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.osgi.framework.ServiceRegistration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket client: its session, its filter, its place in the reading fan-out and among the
 * alarm listeners. Public because Jetty calls its listener methods through a public method lookup.
 */
public final class StreamSocket
    implements Session.Listener.AutoDemanding, ReadingListener, AlarmListener {
  private static final Logger LOG = LoggerFactory.getLogger(StreamSocket.class);

  private final Set<String> sensors;
  private final boolean raw;
  private final WebSocketStreamServlet stream;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Session session;
  private volatile ServiceRegistration<?> registration;

  StreamSocket(Set<String> sensors, boolean raw, WebSocketStreamServlet stream) {
    this.sensors = sensors;
    this.raw = raw;
    this.stream = stream;
  }

  @Override
  public void onWebSocketOpen(Session opened) {
    session = opened;
    stream.sockets.add(this);
    Hashtable<String, Object> properties = new Hashtable<>();
    properties.put(ReadingListener.QUEUE_CAPACITY, stream.queueCapacity);
    properties.put(ReadingListener.REPORTED, !raw);
    if (sensors.size() == 1)
      properties.put(ReadingListener.SENSOR_FILTER, sensors.iterator().next());
    registration =
        stream.context.registerService(
            new String[] {ReadingListener.class.getName(), AlarmListener.class.getName()},
            this,
            properties);
  }

  /** On this client's own fan-out thread: waiting for a slow client delays only this client. */
  @Override
  public void onReading(Reading reading) {
    if (!sensors.isEmpty() && !sensors.contains(reading.sensorId())) return;
    try {
      send(stream.mapper.writeValueAsString(ReadingFormat.reading(reading)));
    } catch (JsonProcessingException e) {
      LOG.warn("WebSocket: could not write a reading of {}: {}", reading.sensorId(), e.toString());
    }
  }

  /**
   * From the alarms bundle's thread, which must not wait on a client: the message is queued by
   * Jetty's frame flusher and this returns; a failed send closes the client as a reading's does.
   * Same fields as {@code /api/alarms}, with {@code "type":"alarm"} to tell it from a reading.
   */
  @Override
  public void onAlarm(Alarm alarm) {
    if (!sensors.isEmpty() && !sensors.contains(alarm.sensorId())) return;
    Session current = session;
    if (current == null || closed.get()) return;
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "alarm");
    body.putAll(ReadingFormat.alarm(alarm));
    try {
      current.sendText(
          stream.mapper.writeValueAsString(body),
          Callback.from(() -> {}, failure -> close(1011, "send failed")));
    } catch (JsonProcessingException e) {
      LOG.warn("WebSocket: could not write alarm {}: {}", alarm.rule(), e.toString());
    }
  }

  @Override
  public void onDropped(long count) {
    send("{\"dropped\":" + count + "}");
  }

  private void send(String text) {
    Session current = session;
    if (current == null || closed.get()) return;
    Callback.Completable sent = new Callback.Completable();
    current.sendText(text, sent);
    try {
      sent.get(); // bounded by the idle timeout: a send that cannot finish fails with it
    } catch (ExecutionException e) {
      close(1011, "send failed");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void ping() {
    Session current = session;
    if (current != null && !closed.get()) current.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
  }

  @Override
  public void onWebSocketClose(int statusCode, String reason) {
    release();
  }

  @Override
  public void onWebSocketError(Throwable cause) {
    release();
  }

  void close(int status, String reason) {
    Session current = session;
    if (current != null && current.isOpen()) current.close(status, reason, Callback.NOOP);
    release();
  }

  /** Frees the client's fan-out place, off the fan-out thread that may be calling us. */
  private void release() {
    if (!closed.compareAndSet(false, true)) return;
    stream.sockets.remove(this);
    ServiceRegistration<?> current = registration;
    if (current != null) {
      stream.housekeeping.submit(
          () -> {
            try {
              current.unregister();
            } catch (IllegalStateException e) {
              // already gone with the bundle
            }
            return null;
          });
    }
  }
}
