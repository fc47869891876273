package io.sensorgw.store.internal;

/** Error text for the log: a pool's "connection is not available" says nothing without its cause. */
final class Failures {
  private Failures() {}

  /** The failure's message, and its root cause's when that says something else (e.g. a corrupt file). */
  static String describe(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String message = String.valueOf(failure.getMessage());
    String cause = root.getMessage();
    return root == failure || cause == null || message.contains(cause) ? message : message + "; cause: " + cause;
  }
}
