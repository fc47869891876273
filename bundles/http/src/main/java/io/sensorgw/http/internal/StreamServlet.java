package io.sensorgw.http.internal;

import io.sensorgw.api.Alarm;
import io.sensorgw.api.AlarmListener;
import io.sensorgw.api.Reading;
import io.sensorgw.api.ReadingListener;
import io.sensorgw.concurrent.ManagedExecutor;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * {@code GET /api/stream[?sensor=a,b][&raw=true]}: Server-Sent Events, one {@code reading} event
 * per reading (the reported ones, or with {@code raw=true} every reading), and one {@code alarm}
 * event per alarm raised or cleared (first the alarms active when the client connects). Each client
 * is a {@link ReadingListener} and an {@link AlarmListener} of its own, so the fan-out gives it its
 * own thread and bounded queue: a slow client loses its oldest readings (told with a {@code
 * dropped} event) and slows nobody else. Heartbeat comments keep proxies from closing an idle
 * stream.
 */
@Component(
    service = Servlet.class,
    configurationPid = StreamServlet.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = StreamServlet.Config.class)
@HttpWhiteboardServletPattern("/api/stream")
@HttpWhiteboardServletAsyncSupported
public class StreamServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  static final String PID = "io.sensorgw.http.stream";

  @ObjectClassDefinition(
      name = "sensorgw live stream",
      description = "GET /api/stream (Server-Sent Events)")
  public @interface Config {
    @AttributeDefinition(
        name = "Client queue",
        description = "Readings held for a slow client before the oldest are dropped")
    int client_queue_capacity() default 256;

    @AttributeDefinition(
        name = "Heartbeat (s)",
        description = "A comment line this often keeps proxies from closing the stream")
    int heartbeat_seconds() default 15;

    @AttributeDefinition(
        name = "Most clients",
        description =
            "Streams open at once (each holds a connection and its queue); more get 503, 1-10000",
        min = "1",
        max = "10000")
    int max_clients() default 64;
  }

  private final transient BundleContext context;
  private final transient Json json = new Json();

  /** The SSE text of a reading, formatted once for all clients. */
  private final transient EventCache events =
      new EventCache(
          reading -> {
            try {
              return "event: reading\nid: "
                  + reading.sensorId()
                  + ":"
                  + reading.sequence()
                  + "\ndata: "
                  + json.toString(Json.reading(reading))
                  + "\n\n";
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });

  private final int queueCapacity;
  private final int maxClients;
  private final transient Set<Client> clients = ConcurrentHashMap.newKeySet();

  /** Alarm events held for a client whose output is busy; beyond it the oldest are dropped. */
  private static final int PENDING_ALARMS = 256;

  /** How soon the housekeeping thread tries again to write alarms when the output was busy. */
  private static final Duration ALARM_RETRY = Duration.ofMillis(50);

  /** Heartbeats and releasing clients' fan-out places, off the request and fan-out threads. */
  private final transient ManagedExecutor housekeeping = new ManagedExecutor("stream", 1, 1024);

  @Activate
  public StreamServlet(BundleContext context, Config config) {
    this.context = context;
    this.queueCapacity = Math.max(1, config.client_queue_capacity());
    this.maxClients = Math.min(10_000, Math.max(1, config.max_clients()));
    long heartbeat = Math.max(1, config.heartbeat_seconds());
    housekeeping.scheduleAtFixedRate(
        () -> {
          clients.forEach(Client::heartbeat);
          return null;
        },
        Duration.ofSeconds(heartbeat),
        Duration.ofSeconds(heartbeat));
  }

  @Deactivate
  void deactivate() {
    clients.forEach(Client::close);
    housekeeping.close(Duration.ofSeconds(5));
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    String filter = request.getParameter("sensor");
    boolean raw = "true".equalsIgnoreCase(request.getParameter("raw"));
    Set<String> sensors =
        filter == null || filter.isBlank()
            ? Set.of()
            : Arrays.stream(filter.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toSet());
    if (clients.size() >= maxClients) {
      response.setHeader("Retry-After", "10");
      json.error(
          response,
          503,
          "the stream has " + clients.size() + " clients, its most (max.clients of " + PID + ")");
      return;
    }
    response.setStatus(200);
    response.setContentType("text/event-stream");
    response.setCharacterEncoding("UTF-8");
    response.setHeader("Cache-Control", "no-store");
    response.setHeader("X-Accel-Buffering", "no"); // nginx: do not buffer the stream
    AsyncContext async = request.startAsync();
    async.setTimeout(0); // open until the client or the gateway ends it
    Client client = new Client(async, response.getOutputStream(), sensors);
    async.addListener(client);
    clients.add(client);
    client.send(
        ": sensorgw stream"
            + (sensors.isEmpty() ? "" : " for " + String.join(",", sensors))
            + "\n\n",
        true);
    Hashtable<String, Object> properties = new Hashtable<>();
    properties.put(ReadingListener.QUEUE_CAPACITY, queueCapacity);
    properties.put(ReadingListener.REPORTED, !raw);
    if (sensors.size() == 1)
      properties.put(ReadingListener.SENSOR_FILTER, sensors.iterator().next());
    client.registration =
        context.registerService(
            new String[] {ReadingListener.class.getName(), AlarmListener.class.getName()},
            client,
            properties);
  }

  /** One connected client: its output, its filter, and its place in the reading fan-out. */
  private final class Client implements ReadingListener, AlarmListener, AsyncListener {
    private final AsyncContext async;
    private final ServletOutputStream out;
    private final Set<String> sensors;
    private final ReentrantLock writing = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final java.util.ArrayDeque<String> pendingAlarms =
        new java.util.ArrayDeque<>(); // under itself
    private final AtomicBoolean alarmFlushScheduled = new AtomicBoolean();
    volatile ServiceRegistration<?> registration;

    Client(AsyncContext async, ServletOutputStream out, Set<String> sensors) {
      this.async = async;
      this.out = out;
      this.sensors = sensors;
    }

    @Override
    public void onReading(Reading reading) {
      if (!sensors.isEmpty() && !sensors.contains(reading.sensorId())) return;
      writing.lock();
      try {
        writePendingAlarms(false);
        write(events.text(reading), false);
      } finally {
        writing.unlock();
      }
    }

    /**
     * From the alarms bundle's thread, which must not wait on a client: the event joins this
     * client's pending alarms (bounded; the oldest go first when full), written in order by the
     * next reading on this client's own thread or by the housekeeping thread, which, like a
     * heartbeat, never waits for a write in progress: it tries again shortly.
     */
    @Override
    public void onAlarm(Alarm alarm) {
      if (closed.get() || !sensors.isEmpty() && !sensors.contains(alarm.sensorId())) return;
      String text;
      try {
        text = "event: alarm\ndata: " + json.toString(Json.alarm(alarm)) + "\n\n";
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      synchronized (pendingAlarms) {
        if (pendingAlarms.size() >= PENDING_ALARMS) pendingAlarms.pollFirst();
        pendingAlarms.addLast(text);
      }
      flushAlarmsSoon(Duration.ZERO);
    }

    private void flushAlarmsSoon(Duration delay) {
      if (!alarmFlushScheduled.compareAndSet(false, true)) return;
      java.util.concurrent.Callable<Void> flush =
          () -> {
            alarmFlushScheduled.set(false);
            if (closed.get()) return null;
            if (!writing.tryLock()) { // a reading is being written (maybe to a stalled client)
              flushAlarmsSoon(ALARM_RETRY);
              return null;
            }
            try {
              writePendingAlarms(true);
            } finally {
              writing.unlock();
            }
            return null;
          };
      try {
        if (delay.isZero()) {
          // Refused (queue full, stopping): the next reading or alarm writes them instead.
          housekeeping
              .submit(flush)
              .whenComplete(
                  (done, failure) -> {
                    if (failure != null) alarmFlushScheduled.set(false);
                  });
        } else {
          housekeeping.schedule(flush, delay);
        }
      } catch (java.util.concurrent.RejectedExecutionException e) {
        alarmFlushScheduled.set(false); // stopping
      }
    }

    /** With {@link #writing} held. */
    private void writePendingAlarms(boolean flush) {
      boolean wrote = false;
      while (true) {
        String text;
        synchronized (pendingAlarms) {
          text = pendingAlarms.pollFirst();
        }
        if (text == null) break;
        write(text, false);
        wrote = true;
      }
      if (wrote && flush) write("", true);
    }

    /** A burst is over: one flush (one network write) for all of it. */
    @Override
    public void onCaughtUp() {
      send("", true);
    }

    @Override
    public void onDropped(long count) {
      send("event: dropped\ndata: {\"dropped\":" + count + "}\n\n", false);
    }

    /**
     * From housekeeping: skipped while a reading is being written, so a slow client blocks nobody.
     */
    void heartbeat() {
      if (!writing.tryLock()) return;
      try {
        write(": heartbeat\n\n", true);
      } finally {
        writing.unlock();
      }
    }

    void send(String text, boolean flush) {
      writing.lock();
      try {
        write(text, flush);
      } finally {
        writing.unlock();
      }
    }

    private void write(String text, boolean flush) {
      if (closed.get()) return;
      try {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        if (flush) out.flush();
      } catch (IOException | IllegalStateException e) {
        close(); // the client went away
      }
    }

    /** Frees everything the client held; its fan-out place is released off the fan-out thread. */
    void close() {
      if (!closed.compareAndSet(false, true)) return;
      clients.remove(this);
      ServiceRegistration<?> current = registration;
      if (current != null) {
        housekeeping.submit(
            () -> {
              try {
                current.unregister();
              } catch (IllegalStateException e) {
                // already gone with the bundle
              }
              return null;
            });
      }
      try {
        async.complete();
      } catch (IllegalStateException e) {
        // the container ended it already
      }
    }

    @Override
    public void onComplete(AsyncEvent event) {
      close();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      close();
    }

    @Override
    public void onError(AsyncEvent event) {
      close();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {}
  }

  /** Connected clients, for tests and statistics. */
  int clients() {
    return clients.size();
  }
}
