package io.sensorgw.security.internal;

/**
 * When one HTTP/1 connection's request headers are late, from its counters alone (requests whose
 * headers were read, responses sent, bytes read), sampled now and then by {@link HeaderTimeout}.
 *
 * <p>The first request's headers are due a timeout after the connection opened; a later request's a
 * timeout after its first bytes were seen, once every earlier request was answered. While a request
 * is being handled (a body upload, a long poll, a stream) nothing is due, and a connection that is
 * quiet between requests is left to the idle timeout. Not thread-safe: one sampler.
 */
final class HeaderClock {
  private static final long NOT_RUNNING = Long.MIN_VALUE;

  private long requestsSeen;
  private long bytesWhenIdle;
  private long startNanos;

  /**
   * A clock for a connection that opened at {@code openedNanos} (on {@link System#nanoTime}'s
   * scale).
   */
  HeaderClock(long openedNanos) {
    this.startNanos = openedNanos;
  }

  /**
   * True when headers have been awaited for longer than {@code timeoutNanos} at {@code nowNanos}.
   */
  boolean overdue(long requests, long responses, long bytesIn, long nowNanos, long timeoutNanos) {
    if (requests != requestsSeen || requests > responses) {
      // Headers arrived since the last look, or a request is in progress: no headers awaited.
      requestsSeen = requests;
      bytesWhenIdle = bytesIn;
      startNanos = NOT_RUNNING;
      return false;
    }
    if (startNanos == NOT_RUNNING) {
      if (bytesIn == bytesWhenIdle) return false; // idle between requests
      startNanos = nowNanos; // the next request began
    }
    return nowNanos - startNanos > timeoutNanos;
  }
}
