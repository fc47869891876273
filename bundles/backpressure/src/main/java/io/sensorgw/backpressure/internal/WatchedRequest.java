package io.sensorgw.backpressure.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * A request holding a permit, as the servlets see it: if they answer asynchronously, its client is
 * watched meanwhile, and leaving is reported so the permit can go back before the answer is ready.
 * The async context they start ends the watch before it completes or dispatches (Jetty's rule, see
 * {@link ClientCloseWatcher}).
 */
final class WatchedRequest extends HttpServletRequestWrapper {
  private final ClientCloseWatcher.Listener onClientGone;
  private WatchedAsyncContext async; // guarded by this
  private ClientCloseWatcher watcher; // guarded by this
  private boolean finishing; // guarded by this: the async work completed or dispatched

  WatchedRequest(HttpServletRequest request, ClientCloseWatcher.Listener onClientGone) {
    super(request);
    this.onClientGone = onClientGone;
  }

  @Override
  public AsyncContext startAsync() {
    return watched(super.startAsync());
  }

  @Override
  public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
    return watched(super.startAsync(request, response));
  }

  @Override
  public synchronized AsyncContext getAsyncContext() {
    AsyncContext current = super.getAsyncContext();
    return async != null && async.delegate == current ? async : current;
  }

  private synchronized AsyncContext watched(AsyncContext started) {
    async = new WatchedAsyncContext(started, this);
    return async;
  }

  /**
   * Watches the client while the servlet's async work runs: call once the servlet has returned.
   * Nothing to do if it answered already, or started its async work on another request object.
   */
  synchronized void watch() {
    if (async == null || finishing || watcher != null) return;
    watcher = ClientCloseWatcher.start(getRequest(), onClientGone);
  }

  synchronized void stopWatching() {
    finishing = true;
    if (watcher != null) watcher.stop();
  }

  /** The servlet's async context, ending the watch first whenever it finishes or dispatches. */
  private static final class WatchedAsyncContext implements AsyncContext {
    final AsyncContext delegate;
    private final WatchedRequest owner;

    WatchedAsyncContext(AsyncContext delegate, WatchedRequest owner) {
      this.delegate = delegate;
      this.owner = owner;
    }

    @Override
    public void complete() {
      owner.stopWatching();
      delegate.complete();
    }

    @Override
    public void dispatch() {
      owner.stopWatching();
      delegate.dispatch();
    }

    @Override
    public void dispatch(String path) {
      owner.stopWatching();
      delegate.dispatch(path);
    }

    @Override
    public void dispatch(ServletContext context, String path) {
      owner.stopWatching();
      delegate.dispatch(context, path);
    }

    @Override
    public ServletRequest getRequest() {
      return delegate.getRequest();
    }

    @Override
    public ServletResponse getResponse() {
      return delegate.getResponse();
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
      return delegate.hasOriginalRequestAndResponse();
    }

    @Override
    public void start(Runnable run) {
      delegate.start(run);
    }

    @Override
    public void addListener(AsyncListener listener) {
      delegate.addListener(listener);
    }

    @Override
    public void addListener(
        AsyncListener listener, ServletRequest request, ServletResponse response) {
      delegate.addListener(listener, request, response);
    }

    @Override
    public <T extends AsyncListener> T createListener(Class<T> type) throws ServletException {
      return delegate.createListener(type);
    }

    @Override
    public void setTimeout(long timeout) {
      delegate.setTimeout(timeout);
    }

    @Override
    public long getTimeout() {
      return delegate.getTimeout();
    }
  }
}
