package io.sensorgw.itest;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.servlet.runtime.HttpServiceRuntime;
import org.osgi.service.servlet.runtime.HttpServiceRuntimeConstants;

/** The HTTP side of the framework under test, found through {@link HttpServiceRuntime}. */
final class Gateway {
  /**
   * The bound of every wait on a condition: generous, since a busy machine is slow (the normal case
   * returns as soon as the condition holds).
   */
  static final Duration DEADLINE = Duration.ofMinutes(2);

  /** Timeout of injected services (org.osgi.test's default is 200 ms). */
  static final long SERVICE_TIMEOUT_MS = 120_000;

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(DEADLINE).build();
  private final URI base;

  Gateway(BundleContext context) {
    this.base = URI.create(endpoint(context));
    // The port answers before the whiteboard servlets are registered: wait for /health.
    await(
        () -> {
          try {
            return get("/health").statusCode() == 200;
          } catch (IOException e) {
            return false;
          }
        },
        "/health answers 200");
  }

  private static String endpoint(BundleContext context) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      ServiceReference<HttpServiceRuntime> ref =
          context.getServiceReference(HttpServiceRuntime.class);
      if (ref != null) {
        Object endpoint = ref.getProperty(HttpServiceRuntimeConstants.HTTP_SERVICE_ENDPOINT);
        String first =
            endpoint instanceof String[] list
                ? list[0]
                : endpoint instanceof java.util.Collection<?> c
                    ? String.valueOf(c.iterator().next())
                    : String.valueOf(endpoint);
        if (first != null && !first.contains(":0/")) {
          return first.replace("0.0.0.0", "127.0.0.1").replaceAll("/$", "");
        }
      }
      pause();
    }
    throw new AssertionError("no HttpServiceRuntime endpoint within " + DEADLINE);
  }

  HttpResponse<String> get(String path) throws IOException {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
    try {
      return client.send(request.timeout(DEADLINE).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  URI uri(String path) {
    return base.resolve(path);
  }

  /** Polls {@code path} until the response satisfies {@code condition}, within the deadline. */
  HttpResponse<String> getUntil(String path, Predicate<HttpResponse<String>> condition, String what)
      throws IOException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    HttpResponse<String> response = get(path);
    while (!condition.test(response)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out waiting for "
                + what
                + "; last: "
                + response.statusCode()
                + " "
                + response.body());
      }
      pause();
      response = get(path);
    }
    return response;
  }

  static void await(BooleanSupplier condition, String what) {
    await(condition, what, () -> "");
  }

  /**
   * As {@link #await(BooleanSupplier, String)}, with {@code details} added to a timeout's message.
   */
  static void await(
      BooleanSupplier condition, String what, java.util.function.Supplier<String> details) {
    await(condition, what, details, DEADLINE);
  }

  /** As above, with a deadline of its own, for work that takes long on a loaded machine. */
  static void await(
      BooleanSupplier condition,
      String what,
      java.util.function.Supplier<String> details,
      Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + details.get());
      }
      pause();
    }
  }

  private static void pause() {
    java.util.concurrent.locks.LockSupport.parkNanos(20_000_000); // poll interval
  }
}
