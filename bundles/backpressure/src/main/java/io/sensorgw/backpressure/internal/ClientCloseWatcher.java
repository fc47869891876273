package io.sensorgw.backpressure.internal;

import jakarta.servlet.ServletRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * Notices an HTTP/1.x client closing its connection while its request is suspended. Jetty 12 does
 * not read a connection while a request on it is being handled, so without this a client that left
 * is seen only when its answer is written. The watcher takes the read interest Jetty leaves free
 * meanwhile: readable with end of stream means the client closed (FIN) or reset (RST).
 *
 * <p>Rules, from Jetty 12.0.32's HttpConnection: {@link #stop()} before the request's async context
 * is dispatched or completed (a read interest left pending when the response completes makes Jetty
 * close the connection); bytes of a pipelined next request are handed back to the connection's own
 * buffer, not lost. A client that half-closes and still waits for its answer looks like one that
 * left; HTTP clients do not do that.
 */
final class ClientCloseWatcher implements Callback {
  /**
   * Told once, on a Jetty pool thread, that the client is gone; the connection is closed already.
   */
  interface Listener {
    void clientGone();
  }

  private final EndPoint endPoint;
  private final Connection connection;
  private final Listener listener;
  private boolean active; // guarded by this
  private boolean gone; // guarded by this

  private ClientCloseWatcher(EndPoint endPoint, Connection connection, Listener listener) {
    this.endPoint = endPoint;
    this.connection = connection;
    this.listener = listener;
  }

  /**
   * Starts watching the request's connection, or returns null where that cannot be done safely: not
   * Jetty, not HTTP/1.x (HTTP/2 reports a client's reset itself), a request with a body (the
   * connection still reads it), or a read interest already held.
   */
  static ClientCloseWatcher start(ServletRequest request, Listener listener) {
    ServletContextRequest jettyRequest;
    try {
      jettyRequest = ServletContextRequest.getServletContextRequest(request);
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
    if (jettyRequest == null) return null;
    ConnectionMetaData meta = jettyRequest.getConnectionMetaData();
    if (meta.getHttpVersion() != HttpVersion.HTTP_1_1
        && meta.getHttpVersion() != HttpVersion.HTTP_1_0) return null;
    if (jettyRequest.getLength() > 0
        || jettyRequest.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) return null;
    Connection connection = meta.getConnection();
    EndPoint endPoint = connection.getEndPoint();
    if (!(endPoint instanceof AbstractEndPoint) || !(connection instanceof Connection.UpgradeTo))
      return null;
    ClientCloseWatcher watcher = new ClientCloseWatcher(endPoint, connection, listener);
    synchronized (watcher) {
      watcher.active = endPoint.tryFillInterested(watcher);
      return watcher.active ? watcher : null;
    }
  }

  /**
   * Stops watching; afterwards the watcher holds no read interest. True if the client is still
   * there as far as is known (the listener was not and will not be told), false if it left.
   */
  synchronized boolean stop() {
    if (!active) return !gone;
    active = false;
    // Jetty has no public way to withdraw a read interest; failing it clears it (and is ours: the
    // connection registers none while its request is handled).
    ((AbstractEndPoint) endPoint)
        .getFillInterest()
        .onFail(new CancellationException("watch stopped"));
    return true;
  }

  /**
   * The connection is readable: the end of the stream, or the first byte of a pipelined request.
   */
  @Override
  public void succeeded() {
    synchronized (this) {
      if (!active) return;
      ByteBuffer one =
          BufferUtil.allocate(1); // at most one byte: nothing of the next request is taken
      try {
        int read = endPoint.fill(one);
        if (read == 0) { // woken with nothing to read: watch on
          active = endPoint.tryFillInterested(this);
          return;
        }
        if (read > 0) { // the client is alive and sent more: give it back and stop watching
          ((Connection.UpgradeTo) connection).onUpgradeTo(one);
          active = false;
          return;
        }
      } catch (IOException e) {
        // a reset, on end points that report it rather than answering end of stream
      }
      active = false;
      gone = true;
    }
    left(new EofException("client closed the connection while its request waited"));
  }

  @Override
  public void failed(Throwable cause) {
    synchronized (this) {
      if (!active) return; // our own stop()
      active = false;
      gone = true;
    }
    left(cause);
  }

  private void left(Throwable cause) {
    endPoint.close(cause); // so whatever completes the request writes to nobody
    listener.clientGone();
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.BLOCKING; // never on the selector thread: the listener completes requests
  }
}
