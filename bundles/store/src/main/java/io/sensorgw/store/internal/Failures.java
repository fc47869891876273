package io.sensorgw.store.internal;

import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a database failure means for the store, and its text for the log. Both H2 and PostgreSQL
 * report a bad value in a batch with SQL state class 22 (data exception, e.g. 22001 value too long,
 * 22021 a NUL character in PostgreSQL text) or 23 (constraint violation), on the {@code
 * BatchUpdateException} itself and on its cause or next exception. Class membership, not the
 * exception's Java type, decides: H2's "database is closed" is a {@code
 * SQLNonTransientConnectionException}, yet a reopen cures it.
 */
final class Failures {
  private Failures() {}

  enum Kind {
    /**
     * Some row of the batch cannot be stored (state class 22 or 23): split the batch, set it aside.
     */
    BAD_DATA,
    /** The connection or server went away (class 08, Hikari's timeout, server shutting down). */
    UNREACHABLE,
    /** H2 closed the database under its connections (90098, 90121): the pool needs fresh ones. */
    CLOSED,
    /**
     * The store's table is gone (H2 42S02, PostgreSQL 42P01): the database was replaced or emptied
     * (an in-memory H2 after a shutdown); opening it again migrates, which creates the tables.
     */
    SCHEMA_MISSING,
    /** The statement ran longer than its timeout and was cancelled (57014 in H2 and PostgreSQL). */
    TIMEOUT,
    /** No space left (PostgreSQL 53100, H2 90100). */
    DISK_FULL,
    /** Anything else: retried as it is, never dropped. */
    OTHER;

    /** The pool's connections are of no use any more: replace them and open the database again. */
    boolean meansDatabaseLost() {
      return this == CLOSED || this == UNREACHABLE || this == SCHEMA_MISSING;
    }
  }

  /**
   * The failure's message, and its root cause's when that says something else (e.g. a corrupt
   * file).
   */
  static String describe(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String message = String.valueOf(failure.getMessage());
    String cause = root.getMessage();
    return root == failure || cause == null || message.contains(cause)
        ? message
        : message + "; cause: " + cause;
  }

  /**
   * A one-line reason, at most {@code max} characters (driver messages can quote a whole batch).
   */
  static String describe(Throwable failure, int max) {
    String text = describe(failure).replaceAll("\\s+", " ").trim();
    return text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }

  static Kind classify(Throwable failure) {
    List<String> states = new ArrayList<>();
    boolean badDataType = false;
    boolean connectionType = false;
    for (Throwable t : chain(failure)) {
      if (t instanceof SQLDataException || t instanceof SQLIntegrityConstraintViolationException)
        badDataType = true;
      if (t instanceof SQLTransientConnectionException) connectionType = true;
      if (t instanceof SQLException sql && sql.getSQLState() != null) states.add(sql.getSQLState());
    }
    for (String state : states) {
      if (state.equals("90098") || state.equals("90121")) return Kind.CLOSED;
    }
    for (String state : states) {
      if (state.startsWith("08")
          || state.equals("57P01")
          || state.equals("57P02")
          || state.equals("57P03")) {
        return Kind.UNREACHABLE;
      }
    }
    if (connectionType) return Kind.UNREACHABLE;
    for (String state : states) {
      if (state.startsWith("22") || state.startsWith("23")) return Kind.BAD_DATA;
      if (state.equals("42S02") || state.equals("42P01")) return Kind.SCHEMA_MISSING;
    }
    if (badDataType) return Kind.BAD_DATA;
    for (String state : states) {
      if (state.equals("57014")) return Kind.TIMEOUT;
      if (state.equals("53100") || state.equals("90100")) return Kind.DISK_FULL;
    }
    return Kind.OTHER;
  }

  /**
   * The SQL state that made it bad data, e.g. 22001, or "" (for telling causes apart in the log).
   */
  static String badDataState(Throwable failure) {
    for (Throwable t : chain(failure)) {
      if (t instanceof SQLException sql
          && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
        return sql.getSQLState();
      }
    }
    return "";
  }

  /**
   * The innermost message that names the bad value's problem: PostgreSQL's batch exception quotes
   * the whole statement, its next exception says "value too long for type character varying(128)".
   */
  static String badDataReason(Throwable failure, int max) {
    Throwable best = failure;
    for (Throwable t : chain(failure)) {
      if (t != failure
          && t instanceof SQLException sql
          && sql.getSQLState() != null
          && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
        best = t;
      }
    }
    String text = String.valueOf(best.getMessage()).replaceAll("\\s+", " ").trim();
    int statement = text.indexOf("; SQL statement:"); // H2 appends the statement
    if (statement > 0) text = text.substring(0, statement);
    return text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }

  /** The failure, its causes, and each SQLException's next exceptions, each once. */
  private static List<Throwable> chain(Throwable failure) {
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    List<Throwable> todo = new ArrayList<>(List.of(failure));
    List<Throwable> all = new ArrayList<>();
    while (!todo.isEmpty() && all.size() < 32) {
      Throwable t = todo.remove(0);
      if (t == null || seen.put(t, Boolean.TRUE) != null) continue;
      all.add(t);
      todo.add(t.getCause());
      if (t instanceof SQLException sql) todo.add(sql.getNextException());
    }
    return all;
  }
}
