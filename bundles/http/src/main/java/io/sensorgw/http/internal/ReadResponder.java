package io.sensorgw.http.internal;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a request with a sensor's reading without holding a Jetty thread while the device is
 * read: the request goes async and the response is written when the stage completes.
 */
final class ReadResponder {
  private static final Logger LOG = LoggerFactory.getLogger(ReadResponder.class);

  /** Safety net only: every sensor read has its own, shorter timeout. */
  static final long ASYNC_TIMEOUT_MS = 60_000;

  private final Json json;

  ReadResponder(Json json) {
    this.json = json;
  }

  /** Answers with the sensor's reading, its JSON encoded once per reading (cached reads repeat). */
  void respond(
      HttpServletRequest request, HttpServletResponse response, SensorDirectory.Entry sensor) {
    respondWith(
        request,
        response,
        sensor.sensor()::read,
        reading -> json.write(response, 200, sensor.lastReading().of(reading, json)),
        sensor.id());
  }

  /**
   * Answers with the result of {@code work}, mapped to JSON by {@code body}, once it completes;
   * failures become 503/504 JSON errors.
   */
  <T> void respond(
      HttpServletRequest request,
      HttpServletResponse response,
      Supplier<? extends CompletionStage<T>> work,
      Function<T, Object> body,
      String id) {
    respondWith(
        request, response, work, result -> json.write(response, 200, body.apply(result)), id);
  }

  /** As {@link #respond}, answering with the bytes the work produced, e.g. a JPEG frame. */
  void respondBytes(
      HttpServletRequest request,
      HttpServletResponse response,
      Supplier<? extends CompletionStage<byte[]>> work,
      String contentType,
      String id) {
    respondWith(
        request,
        response,
        work,
        bytes -> {
          response.setStatus(200);
          response.setContentType(contentType);
          response.setHeader("Cache-Control", "no-store");
          response.setContentLength(bytes.length);
          response.getOutputStream().write(bytes);
        },
        id);
  }

  /** Writes a successful result. */
  private interface ResultWriter<T> {
    void write(T result) throws IOException;
  }

  private <T> void respondWith(
      HttpServletRequest request,
      HttpServletResponse response,
      Supplier<? extends CompletionStage<T>> work,
      ResultWriter<T> writer,
      String id) {
    AsyncContext async = request.startAsync();
    async.setTimeout(ASYNC_TIMEOUT_MS);
    AtomicBoolean answered = new AtomicBoolean();
    async.addListener(
        new AsyncListener() {
          @Override
          public void onTimeout(AsyncEvent event) throws IOException {
            if (answered.compareAndSet(false, true)) {
              json.error(response, 504, "read of sensor " + id + " did not complete in time");
              async.complete();
            }
          }

          @Override
          public void onComplete(AsyncEvent event) {}

          @Override
          public void onError(AsyncEvent event) {
            answered.set(true); // the client went away; nothing left to answer
          }

          @Override
          public void onStartAsync(AsyncEvent event) {}
        });

    CompletionStage<T> stage;
    try {
      stage = work.get();
    } catch (RuntimeException e) { // a driver that breaks the contract still gets an answer
      stage = CompletableFuture.failedFuture(e);
    }
    stage.whenComplete(
        (result, error) -> {
          if (!answered.compareAndSet(false, true)) return;
          try {
            if (error == null) {
              writer.write(result);
            } else {
              writeFailure(response, id, error);
            }
          } catch (IOException | RuntimeException e) {
            LOG.debug("Could not answer a read of {}: {}", id, e.toString());
          } finally {
            async.complete();
          }
        });
  }

  private void writeFailure(HttpServletResponse response, String id, Throwable error)
      throws IOException {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof TimeoutException) {
      json.error(response, 504, "read of sensor " + id + " timed out");
    } else if (cause instanceof RejectedExecutionException) {
      response.setHeader("Retry-After", "1");
      json.error(response, 503, "sensor " + id + " is overloaded: " + cause.getMessage());
    } else {
      json.error(response, 503, "sensor " + id + " failed: " + describe(cause));
    }
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
  }
}
