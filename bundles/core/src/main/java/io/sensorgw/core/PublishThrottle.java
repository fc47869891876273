package io.sensorgw.core;

import io.sensorgw.api.Reading;
import io.sensorgw.reporting.Reporter;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Telemetry downsampling: passes at most one reading per interval on to {@code sink} (an interval
 * of zero passes all), decided on the readings' acquisition times.
 *
 * @deprecated kept for drivers built against core 1.4; use {@link Reporter#atMostEvery(Duration)},
 *     of which this is now a wrapper.
 */
@Deprecated
public final class PublishThrottle implements Consumer<Reading> {
  private final Reporter reporter;
  private final Consumer<Reading> sink;

  public PublishThrottle(Duration interval, Consumer<Reading> sink) {
    this.reporter = Reporter.atMostEvery(interval);
    this.sink = sink;
  }

  @Override
  public void accept(Reading reading) {
    Reading reported = reporter.offer(reading);
    if (reported != null) sink.accept(reported);
  }

  /** Readings passed on to the sink. */
  public long passed() {
    return reporter.reported();
  }

  /** Readings not passed on because the interval had not elapsed. */
  public long held() {
    return reporter.held();
  }
}
