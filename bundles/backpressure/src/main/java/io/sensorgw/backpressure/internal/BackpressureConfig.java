package io.sensorgw.backpressure.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
    name = "sensorgw backpressure",
    description =
        "Limits concurrent requests on the sensor routes. Waiting requests hold no thread; "
            + "those that wait too long, or find the queue full, get 503 with Retry-After.")
@interface BackpressureConfig {
  @AttributeDefinition(
      name = "Mode",
      options = {
        @Option(value = "fixed", label = "fixed: a set number of permits"),
        @Option(
            value = "adaptive",
            label = "adaptive: the limit follows observed latency (gradient)")
      })
  String mode() default "fixed";

  @AttributeDefinition(name = "Permits (fixed mode)", description = "Requests that may run at once")
  int permits() default 64;

  @AttributeDefinition(
      name = "Max wait (ms)",
      description =
          "How long a request may wait for a permit before it gets 503; 0 rejects at once")
  long max_wait_ms() default 1000;

  @AttributeDefinition(
      name = "Max queue",
      description = "Requests that may wait at once; more get 503")
  int max_queue() default 256;

  @AttributeDefinition(name = "Initial limit (adaptive)")
  int adaptive_initial_limit() default 20;

  @AttributeDefinition(name = "Min limit (adaptive)")
  int adaptive_min_limit() default 4;

  @AttributeDefinition(name = "Max limit (adaptive)")
  int adaptive_max_limit() default 200;

  @AttributeDefinition(
      name = "Limited routes",
      description =
          "Path patterns the limit applies to; '*' is one path segment, a '*' at the end any rest")
  String[] include() default {"/api/*", "/*/sensor"};

  @AttributeDefinition(
      name = "Exempt routes",
      description =
          "Patterns never limited, even when they match a limited route (long-lived streams)")
  String[] exclude() default {"/api/stream", "/ws"};

  @AttributeDefinition(name = "Retry-After (s)", description = "Sent with every 503")
  int retry_after_s() default 1;
}
