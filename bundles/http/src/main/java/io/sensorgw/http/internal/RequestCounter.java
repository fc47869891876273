package io.sensorgw.http.internal;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterAsyncSupported;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardFilterPattern;

/**
 * Counts HTTP requests by route (the servlet pattern that served them, so the label set stays
 * small) and status, when they complete; asynchronous requests are counted when they finish.
 */
// Ranked first, so it also counts the answers of filters after it (the backpressure limiter's
// 503s).
@Component(
    service = {Filter.class, RequestCounter.class},
    property = "service.ranking:Integer=1000")
@HttpWhiteboardFilterPattern("/*")
@HttpWhiteboardFilterAsyncSupported
public class RequestCounter implements Filter {
  /** route, status. */
  record Key(String route, int status) {}

  private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    try {
      chain.doFilter(req, res);
    } finally {
      if (request.isAsyncStarted()) {
        request
            .getAsyncContext()
            .addListener(
                new AsyncListener() {
                  @Override
                  public void onComplete(AsyncEvent event) {
                    count(request, response);
                  }

                  @Override
                  public void onTimeout(AsyncEvent event) {}

                  @Override
                  public void onError(AsyncEvent event) {}

                  @Override
                  public void onStartAsync(AsyncEvent event) {
                    event
                        .getAsyncContext()
                        .addListener(this); // a new async cycle (after a dispatch)
                  }
                });
      } else {
        count(request, response);
      }
    }
  }

  private void count(HttpServletRequest request, HttpServletResponse response) {
    String route;
    try {
      route = request.getHttpServletMapping().getPattern();
    } catch (RuntimeException e) {
      route = "";
    }
    if (route == null || route.isEmpty()) route = "other";
    counts.computeIfAbsent(new Key(route, response.getStatus()), k -> new LongAdder()).increment();
  }

  Map<Key, Long> counts() {
    Map<Key, Long> snapshot = new java.util.HashMap<>();
    counts.forEach((key, adder) -> snapshot.put(key, adder.sum()));
    return snapshot;
  }
}
