package io.sensorgw.security.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeaderClockTest {
  private static final long S = 1_000_000_000L;
  private static final long TIMEOUT = 20 * S;

  @Test
  void firstRequestIsDueATimeoutAfterTheConnectionOpened() {
    HeaderClock clock = new HeaderClock(100 * S);
    assertFalse(clock.overdue(0, 0, 0, 110 * S, TIMEOUT), "nothing sent yet, within the timeout");
    assertFalse(clock.overdue(0, 0, 5, 119 * S, TIMEOUT), "a trickle, within the timeout");
    assertTrue(clock.overdue(0, 0, 6, 121 * S, TIMEOUT), "still no complete headers after it");
  }

  @Test
  void aRequestInProgressIsNeverDueHoweverLong() {
    HeaderClock clock = new HeaderClock(0);
    assertFalse(clock.overdue(1, 0, 300, 5 * S, TIMEOUT));
    assertFalse(clock.overdue(1, 0, 90_000, 3600 * S, TIMEOUT), "a body upload or a stream");
  }

  @Test
  void aQuietReusedConnectionIsLeftToTheIdleTimeout() {
    HeaderClock clock = new HeaderClock(0);
    assertFalse(clock.overdue(1, 1, 300, 1 * S, TIMEOUT));
    assertFalse(clock.overdue(1, 1, 300, 500 * S, TIMEOUT));
  }

  @Test
  void aLaterRequestIsDueATimeoutAfterItsFirstBytesWereSeen() {
    HeaderClock clock = new HeaderClock(0);
    assertFalse(clock.overdue(1, 1, 300, 1 * S, TIMEOUT));
    assertFalse(clock.overdue(1, 1, 301, 100 * S, TIMEOUT), "the next request began");
    assertFalse(clock.overdue(1, 1, 305, 119 * S, TIMEOUT));
    assertTrue(clock.overdue(1, 1, 306, 121 * S, TIMEOUT));
  }

  @Test
  void headersThatArriveStopTheClock() {
    HeaderClock clock = new HeaderClock(0);
    assertFalse(clock.overdue(0, 0, 10, 19 * S, TIMEOUT));
    assertFalse(
        clock.overdue(1, 1, 400, 30 * S, TIMEOUT), "a request came and was answered between looks");
    assertFalse(clock.overdue(1, 1, 400, 60 * S, TIMEOUT));
  }
}
