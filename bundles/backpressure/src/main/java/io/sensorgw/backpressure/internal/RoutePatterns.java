package io.sensorgw.backpressure.internal;

import java.util.List;

/**
 * Path patterns as an operator writes them: {@code *} is exactly one path segment, a trailing
 * {@code /*} is any rest (including nothing), anything else is literal.
 */
final class RoutePatterns {
  private final List<String[]> patterns;

  RoutePatterns(String... patterns) {
    // A .cfg file gives one comma-separated string where ConfigAdmin would give an array.
    this.patterns =
        java.util.Arrays.stream(patterns)
            .flatMap(p -> java.util.Arrays.stream(p.split(",")))
            .map(String::trim)
            .filter(p -> p.startsWith("/"))
            .map(p -> p.substring(1).split("/", -1))
            .toList();
  }

  boolean matches(String path) {
    String[] segments = (path.startsWith("/") ? path.substring(1) : path).split("/", -1);
    for (String[] pattern : patterns) {
      if (matches(pattern, segments)) return true;
    }
    return false;
  }

  private static boolean matches(String[] pattern, String[] segments) {
    int last = pattern.length - 1;
    boolean anyRest = pattern[last].equals("*");
    int fixed = anyRest ? last : pattern.length;
    if (anyRest ? segments.length < fixed : segments.length != fixed) return false;
    for (int i = 0; i < fixed; i++) {
      if (!pattern[i].equals("*") ? !pattern[i].equals(segments[i]) : segments[i].isEmpty()) {
        return false;
      }
    }
    return true;
  }
}
