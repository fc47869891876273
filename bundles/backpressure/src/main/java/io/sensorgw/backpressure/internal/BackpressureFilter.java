package io.sensorgw.backpressure.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.WindowedLimit;
import io.sensorgw.api.HealthSource;
import io.sensorgw.api.MetricDescription;
import io.sensorgw.api.MetricsSource;
import io.sensorgw.api.SensorState;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterDispatcher;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limits concurrent requests on the sensor routes. A request that finds no free permit goes async
 * and waits in a bounded queue without holding a Jetty thread; when a permit comes free it is
 * dispatched again (an ASYNC dispatch, which this filter also sees and lets through holding the
 * permit). A client that disconnects while waiting leaves the queue, and one that disconnects while
 * its asynchronous response is pending gives its permit back (over HTTP/1.x a watcher sees the
 * close, which Jetty itself does not; see ClientCloseWatcher). A request that waits past max wait,
 * or finds the queue full, gets 503 with Retry-After. Routes that are not limited pass untouched.
 */
@Component(
    service = {Filter.class, MetricsSource.class, HealthSource.class},
    configurationPid = "io.sensorgw.backpressure",
    configurationPolicy = ConfigurationPolicy.OPTIONAL,
    property = {MetricsSource.NAME + "=backpressure", HealthSource.NAME + "=backpressure"})
@Designate(ocd = BackpressureConfig.class)
@HttpWhiteboardFilterPattern("/*")
@HttpWhiteboardFilterAsyncSupported
@HttpWhiteboardFilterDispatcher({DispatcherType.REQUEST, DispatcherType.ASYNC})
public class BackpressureFilter implements Filter, MetricsSource, HealthSource {
  private static final Logger LOG = LoggerFactory.getLogger(BackpressureFilter.class);

  /** Request attribute carrying the permit from the grant to the ASYNC dispatch. */
  private static final String PERMIT = BackpressureFilter.class.getName() + ".permit";

  private final ObjectMapper mapper = new ObjectMapper();
  private final LongAdder rejectedQueueFull = new LongAdder();
  private final LongAdder rejectedWaitedTooLong = new LongAdder();
  private final LongAdder abandonedWhileWaiting = new LongAdder();
  private final LongAdder releasedOnDisconnect = new LongAdder();
  private volatile Settings settings;
  private Admission admission;

  /**
   * The parts of the configuration a request needs, swapped as one on a change. {@code problem}:
   * why the configured mode was refused (the fixed limit runs meanwhile), empty when it was not.
   */
  private record Settings(
      BackpressureMode mode,
      String problem,
      RoutePatterns include,
      RoutePatterns exclude,
      long maxWaitMs,
      int retryAfterSeconds) {}

  @Activate
  void activate(BackpressureConfig config) {
    Settings next = settings(config);
    admission =
        new Admission(
            limit(config, next.mode()), Math.max(0, config.max_queue()), System::nanoTime);
    settings = next;
    LOG.info("Backpressure on {}: {}", String.join(", ", config.include()), describe(config, next));
    reportProblem(next);
  }

  @Modified
  void modified(BackpressureConfig config) {
    Settings next = settings(config);
    settings = next;
    admission.configure(limit(config, next.mode()), Math.max(0, config.max_queue()));
    LOG.info("Backpressure reconfigured: {}", describe(config, next));
    reportProblem(next);
  }

  /**
   * An unknown mode is not quietly replaced: it is logged as an error and /health shows it until
   * the configuration is corrected. The routes stay limited meanwhile (the fixed limit), since
   * dropping the limit would leave the gateway unprotected for a typo.
   */
  private static void reportProblem(Settings settings) {
    if (!settings.problem().isEmpty()) {
      LOG.error(
          "Backpressure configuration refused: {}; using the fixed limit", settings.problem());
    }
  }

  @Override
  public Health health() {
    Settings current = settings;
    return current.problem().isEmpty()
        ? Health.ok()
        : new Health(SensorState.ERROR, current.problem() + "; the fixed limit runs meanwhile");
  }

  /** The filter is going away: nobody may be left waiting for a permit that will never come. */
  @Deactivate
  void deactivate() {
    admission.configure(FixedLimit.of(Integer.MAX_VALUE), 0);
  }

  private static Settings settings(BackpressureConfig config) {
    BackpressureMode mode = BackpressureMode.FIXED;
    String problem = "";
    try {
      mode = BackpressureMode.fromConfig(config.mode());
    } catch (IllegalArgumentException unknown) {
      problem = unknown.getMessage();
    }
    return new Settings(
        mode,
        problem,
        new RoutePatterns(config.include()),
        new RoutePatterns(config.exclude()),
        Math.max(0, config.max_wait_ms()),
        Math.max(0, config.retry_after_s()));
  }

  /**
   * Netflix's limits: a fixed one, or Gradient2, which lowers the limit as latency rises above its
   * long-term average. Samples are averaged per window (at least 10 requests, about a second) so
   * one burst of slow requests is a single observation, not hundreds.
   */
  static Limit limit(BackpressureConfig config, BackpressureMode mode) {
    if (mode == BackpressureMode.ADAPTIVE) {
      int min = Math.max(1, config.adaptive_min_limit());
      int max = Math.max(min, config.adaptive_max_limit());
      return WindowedLimit.newBuilder()
          .build(
              Gradient2Limit.newBuilder()
                  .minLimit(min)
                  .maxConcurrency(max)
                  .initialLimit(Math.min(max, Math.max(min, config.adaptive_initial_limit())))
                  .build());
    }
    return FixedLimit.of(Math.max(1, config.permits()));
  }

  /** The configured mode's limit; an unknown mode throws (the filter refuses it in settings). */
  static Limit limit(BackpressureConfig config) {
    return limit(config, BackpressureMode.fromConfig(config.mode()));
  }

  private static String describe(BackpressureConfig config, Settings settings) {
    String limit =
        settings.mode() == BackpressureMode.ADAPTIVE
            ? "adaptive " + config.adaptive_min_limit() + "-" + config.adaptive_max_limit()
            : "fixed " + config.permits() + " permits";
    return limit + ", max wait " + config.max_wait_ms() + " ms, queue " + config.max_queue();
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    if (request.getDispatcherType() == DispatcherType.ASYNC) {
      Object permit = request.getAttribute(PERMIT);
      request.removeAttribute(PERMIT);
      if (permit instanceof Admission.Permit granted) {
        runHolding(granted, request, response, chain);
      } else {
        chain.doFilter(req, res); // some servlet's own dispatch: not ours to limit
      }
      return;
    }
    Settings current = settings;
    String path = path(request);
    if (!current.include().matches(path) || current.exclude().matches(path)) {
      chain.doFilter(req, res);
      return;
    }
    Admission.Permit permit = admission.tryAcquire();
    if (permit != null) {
      runHolding(permit, request, response, chain);
    } else if (current.maxWaitMs() == 0) {
      rejectedQueueFull.increment();
      reject(response, current, "too many requests in flight");
    } else {
      await(request, response, current);
    }
  }

  /** Queues the request asynchronously: no thread is held while it waits. */
  private void await(HttpServletRequest request, HttpServletResponse response, Settings current)
      throws IOException {
    AsyncContext async = request.startAsync();
    async.setTimeout(current.maxWaitMs());
    Waiter waiter = new Waiter(request, async);
    async.addListener(
        new AsyncListener() {
          @Override
          public void onTimeout(AsyncEvent event) throws IOException {
            if (!waiter.timeOut()) return; // dispatched just in time (it runs), or its client left
            Admission.Ticket ticket = waiter.ticket();
            if (ticket != null)
              ticket.cancel(); // if it was granted meanwhile, that grant now fails and frees the
            // permit
            rejectedWaitedTooLong.increment();
            reject(response, current, "no capacity within " + current.maxWaitMs() + " ms");
            async.complete();
          }

          @Override
          public void onError(AsyncEvent event) {
            waiter.stopWatching();
            Admission.Ticket ticket = waiter.ticket();
            if (ticket != null && ticket.cancel()) { // the client left: its place goes to the next
              abandonedWhileWaiting.increment();
              async.complete();
            }
          }

          @Override
          public void onComplete(AsyncEvent event) {
            waiter.stopWatching();
            Admission.Ticket ticket = waiter.ticket();
            if (ticket != null && ticket.cancel()) abandonedWhileWaiting.increment();
          }

          @Override
          public void onStartAsync(AsyncEvent event) {}
        });
    waiter.watch(); // before queueing: a grant may come at once, and must find the watcher to stop
    Admission.Ticket ticket = admission.enqueue(waiter);
    if (ticket == null) {
      waiter.stopWatching();
      rejectedQueueFull.increment();
      reject(response, current, "too many requests waiting");
      async.complete();
      return;
    }
    waiter.queued(ticket);
  }

  /**
   * A waiting request's side of the races between a grant (on whatever thread released a permit),
   * its timeout (on Jetty's) and its client leaving (seen by the watcher): exactly one wins. A
   * grant that comes after the timeout or the client's leaving throws, so the admission takes its
   * permit back; a timeout after the dispatch leaves the request running.
   */
  private final class Waiter implements Consumer<Admission.Permit> {
    private final HttpServletRequest request;
    private final AsyncContext async;
    private ClientCloseWatcher
        watcher; // guarded by this; null when the connection cannot be watched
    private Admission.Ticket ticket; // guarded by this
    private boolean dispatched; // guarded by this
    private boolean timedOut; // guarded by this
    private boolean left; // guarded by this

    Waiter(HttpServletRequest request, AsyncContext async) {
      this.request = request;
      this.async = async;
    }

    synchronized void watch() {
      watcher = ClientCloseWatcher.start(request, this::clientLeft);
    }

    synchronized void stopWatching() {
      if (watcher != null) watcher.stop();
    }

    synchronized Admission.Ticket ticket() {
      return ticket;
    }

    /** In the queue now; if the client left before, its place is given up at once. */
    void queued(Admission.Ticket queuedTicket) {
      boolean leftAlready;
      synchronized (this) {
        ticket = queuedTicket;
        leftAlready = left;
      }
      if (leftAlready) giveUpPlace(queuedTicket);
    }

    private void clientLeft() {
      Admission.Ticket queuedTicket;
      synchronized (this) {
        if (dispatched || timedOut) return;
        left = true;
        queuedTicket = ticket;
      }
      // Not queued yet: queued() gives the place up. Granted meanwhile: accept() refuses the grant.
      if (queuedTicket != null) giveUpPlace(queuedTicket);
    }

    private void giveUpPlace(Admission.Ticket queuedTicket) {
      if (queuedTicket.cancel()) {
        abandonedWhileWaiting.increment();
        async.complete();
      }
    }

    @Override
    public void accept(Admission.Permit permit) {
      synchronized (this) {
        if (timedOut) throw new IllegalStateException("the request timed out before its grant");
        // The watch must end before the dispatch; ending it also tells whether the client is there.
        if (!left && (watcher == null || watcher.stop())) {
          request.setAttribute(PERMIT, permit);
          try {
            async.dispatch();
            dispatched = true;
            return;
          } catch (IllegalStateException e) { // the container is already expiring it
            request.removeAttribute(PERMIT);
            throw e;
          }
        }
        left = true;
      }
      abandonedWhileWaiting.increment();
      async.complete();
      throw new IllegalStateException("the client left before its grant");
    }

    /**
     * Marks the wait over; true if it is this timeout that ends it (not a dispatch, not a leave).
     */
    synchronized boolean timeOut() {
      timedOut = true;
      if (watcher != null) watcher.stop();
      return !dispatched && !left;
    }
  }

  /**
   * Runs the rest of the chain and gives the permit back when the response is done, or when the
   * client of an asynchronous response leaves before it (its work may go on; its permit need not).
   */
  private void runHolding(
      Admission.Permit permit,
      HttpServletRequest request,
      HttpServletResponse response,
      FilterChain chain)
      throws IOException, ServletException {
    WatchedRequest running =
        new WatchedRequest(
            request,
            () -> {
              if (permit.release(false)) releasedOnDisconnect.increment();
            });
    boolean handedOver = false;
    try {
      chain.doFilter(running, response);
      if (request.isAsyncStarted()) {
        request.getAsyncContext().addListener(new ReleaseWhenDone(permit, response, running));
        running.watch();
        handedOver = true;
      }
    } finally {
      if (!handedOver) permit.release(overloaded(response.getStatus()));
    }
  }

  /** Releases the permit when an asynchronous response completes or its client goes away. */
  private final class ReleaseWhenDone implements AsyncListener {
    private final Admission.Permit permit;
    private final HttpServletResponse response;
    private final WatchedRequest running;

    ReleaseWhenDone(Admission.Permit permit, HttpServletResponse response, WatchedRequest running) {
      this.permit = permit;
      this.response = response;
      this.running = running;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      running.stopWatching();
      permit.release(overloaded(response.getStatus()));
    }

    @Override
    public void onError(AsyncEvent event) {
      running.stopWatching();
      if (permit.release(false)) releasedOnDisconnect.increment();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      running.stopWatching();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      event.getAsyncContext().addListener(this); // a new async cycle: keep listening
    }
  }

  /** Gateway timeouts and overload answers tell an adaptive limit it is too high. */
  private static boolean overloaded(int status) {
    return status == 503 || status == 504;
  }

  private void reject(HttpServletResponse response, Settings current, String why)
      throws IOException {
    if (response.isCommitted()) return;
    response.setStatus(503);
    response.setHeader("Retry-After", Integer.toString(current.retryAfterSeconds()));
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put(
        "error", "gateway busy: " + why + "; retry after " + current.retryAfterSeconds() + " s");
    body.put("status", 503);
    response
        .getOutputStream()
        .write(mapper.writeValueAsString(body).getBytes(StandardCharsets.UTF_8));
  }

  private static String path(HttpServletRequest request) {
    String uri = request.getRequestURI();
    String context = request.getContextPath();
    return context != null && !context.isEmpty() && uri.startsWith(context)
        ? uri.substring(context.length())
        : uri;
  }

  @Override
  public Map<String, MetricDescription> metricDescriptions() {
    return Map.ofEntries(
        Map.entry(
            "adaptive", MetricDescription.gauge("1 when the limit adapts to latency, else 0")),
        Map.entry("limit", MetricDescription.gauge("Requests allowed in flight now")),
        Map.entry("inFlight", MetricDescription.gauge("Requests in flight")),
        Map.entry("waiting", MetricDescription.gauge("Requests waiting for admission")),
        Map.entry("admitted", MetricDescription.counter("Requests admitted")),
        Map.entry("queued", MetricDescription.counter("Requests that waited before admission")),
        Map.entry("completed", MetricDescription.counter("Admitted requests completed")),
        Map.entry(
            "rejectedQueueFull", MetricDescription.counter("Requests refused, waiting room full")),
        Map.entry(
            "rejectedWaitedTooLong",
            MetricDescription.counter("Requests refused after waiting too long")),
        Map.entry(
            "abandonedWhileWaiting",
            MetricDescription.counter("Requests whose client left while waiting")),
        Map.entry(
            "releasedOnDisconnect",
            MetricDescription.counter("Admissions released when the client disconnected")));
  }

  @Override
  public Map<String, Number> metrics() {
    Admission.Snapshot now = admission.snapshot();
    Map<String, Number> metrics = new LinkedHashMap<>();
    metrics.put("adaptive", settings.mode() == BackpressureMode.ADAPTIVE ? 1 : 0);
    metrics.put("limit", now.limit());
    metrics.put("inFlight", now.inFlight());
    metrics.put("waiting", now.waiting());
    metrics.put("admitted", now.admitted());
    metrics.put("queued", now.queued());
    metrics.put("completed", now.completed());
    metrics.put("rejectedQueueFull", rejectedQueueFull.sum());
    metrics.put("rejectedWaitedTooLong", rejectedWaitedTooLong.sum());
    metrics.put("abandonedWhileWaiting", abandonedWhileWaiting.sum());
    metrics.put("releasedOnDisconnect", releasedOnDisconnect.sum());
    return metrics;
  }
}
