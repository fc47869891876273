package io.sensorgw.security.internal;

import java.util.Locale;

/** What a token may do; each scope includes the ones before it. */
enum Scope {
  /** Readings, history, the stream and WebSocket, frames, metrics. */
  READ,
  /** Also calibrate and any later command that changes a sensor. */
  CONTROL,
  /** Also configuration and deployment. */
  ADMIN;

  boolean covers(Scope needed) {
    return ordinal() >= needed.ordinal();
  }

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  static Scope parse(String text) {
    for (Scope scope : values()) {
      if (scope.label().equals(text == null ? "" : text.trim().toLowerCase(Locale.ROOT)))
        return scope;
    }
    throw new IllegalArgumentException("scope must be read, control or admin, was '" + text + "'");
  }
}
