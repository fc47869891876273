package io.sensorgw.web;

import java.net.URI;
import java.util.Locale;

/**
 * Whether a browser's {@code Origin} (or {@code Referer}) names the host a request was sent to: the
 * check that refuses a page of another site changing the gateway (CSRF) or opening its stream.
 */
public final class SameOrigin {
  private SameOrigin() {}

  /** The name or address of a Host header, without port or IPv6 brackets, lower case. */
  public static String hostName(String hostHeader) {
    String host = hostHeader.trim().toLowerCase(Locale.ROOT);
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end < 0 ? host : host.substring(1, end);
    }
    int colon = host.indexOf(':');
    if (colon >= 0 && host.indexOf(':', colon + 1) < 0)
      host = host.substring(0, colon); // name:port
    return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
  }

  /** Whether an origin or URL (scheme://host[:port]...) names the host of {@code hostHeader}. */
  public static boolean matches(String origin, String hostHeader) {
    if (hostHeader == null || origin == null) return false;
    try {
      URI uri = URI.create(origin.trim());
      if (uri.getHost() == null) return false; // "null" (a sandboxed or file page) and the like
      String host = uri.getHost().toLowerCase(Locale.ROOT);
      if (host.startsWith("[")) host = host.substring(1, host.length() - 1);
      int port =
          uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
      return host.equals(hostName(hostHeader)) && port == hostPort(hostHeader, port);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static int hostPort(String hostHeader, int fallback) {
    String host = hostHeader.trim();
    int colon = host.lastIndexOf(':');
    if (colon < 0 || host.endsWith("]")) return fallback;
    if (!host.startsWith("[") && host.indexOf(':') != colon) return fallback; // a bare IPv6 address
    try {
      return Integer.parseInt(host.substring(colon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
