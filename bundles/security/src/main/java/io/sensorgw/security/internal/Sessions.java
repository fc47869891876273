package io.sensorgw.security.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Browser sessions: a browser shows its token once, at {@code /login}, and gets a cookie instead (a
 * page's scripts never hold the token, and EventSource and WebSocket, which cannot send an
 * Authorization header, are let in by the cookie). A session stands for the token it was opened
 * with: it has that token's scope at each request, and ends when the token is revoked. Kept by the
 * SHA-256 of the cookie value, bounded in number (the oldest goes first), ended after {@code idle}
 * without a request or {@code lifetime} in all. {@link #save} and {@link #load} keep them across a
 * restart (a dashboard open during one carries on logged in), in a private file.
 */
final class Sessions {
  /** Name of the cookie, {@code HttpOnly} and {@code SameSite=Strict}. */
  static final String COOKIE = "sgw_session";

  /** Header a session's state changes carry, with the session's {@link Session#csrf()} value. */
  static final String CSRF_HEADER = "X-CSRF-Token";

  /** One session: the token's hash (its scope is looked up at each use), and the CSRF value. */
  record Session(String tokenHash, String tokenName, String csrf, long openedNanos) {}

  /** A session just opened, with the cookie value that names it (kept nowhere else). */
  record Opened(String cookie, Session session) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final SecureRandom random;
  private final LongSupplier nanos;
  private final LongSupplier epochMillis;
  private final long idleNanos;
  private final long lifetimeNanos;
  private final int max;

  /** By hash of the cookie, oldest first; the last use beside each. */
  private final LinkedHashMap<String, Entry> byHash = new LinkedHashMap<>();

  private static final class Entry {
    final Session session;
    long lastUsedNanos;

    Entry(Session session, long lastUsedNanos) {
      this.session = session;
      this.lastUsedNanos = lastUsedNanos;
    }
  }

  Sessions(SecureRandom random, LongSupplier nanos, long idleNanos, long lifetimeNanos, int max) {
    this(random, nanos, () -> nanos.getAsLong() / 1_000_000, idleNanos, lifetimeNanos, max);
  }

  /** With the wall clock that {@link #save} and {@link #load} translate the monotonic times by. */
  Sessions(
      SecureRandom random,
      LongSupplier nanos,
      LongSupplier epochMillis,
      long idleNanos,
      long lifetimeNanos,
      int max) {
    this.random = random;
    this.nanos = nanos;
    this.epochMillis = epochMillis;
    this.idleNanos = idleNanos;
    this.lifetimeNanos = lifetimeNanos;
    this.max = max;
  }

  /** Opens a session for a token that was just checked. */
  synchronized Opened open(TokenStore.Token token) {
    String cookie = secret();
    long now = nanos.getAsLong();
    Session session = new Session(token.sha256(), token.name(), secret(), now);
    expire(now);
    while (byHash.size()
        >= max) { // the oldest goes: someone opening sessions in a loop ends only their own
      Iterator<String> oldest = byHash.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    byHash.put(TokenStore.sha256(cookie), new Entry(session, now));
    return new Opened(cookie, session);
  }

  /** The live session a cookie value names, its last use now; empty when unknown or ended. */
  synchronized Optional<Session> find(String cookie) {
    if (cookie == null || cookie.length() > TokenStore.MAX_TOKEN_LENGTH) return Optional.empty();
    String hash = TokenStore.sha256(cookie);
    Entry entry = byHash.get(hash);
    if (entry == null) return Optional.empty();
    long now = nanos.getAsLong();
    if (ended(entry, now)) {
      byHash.remove(hash);
      return Optional.empty();
    }
    entry.lastUsedNanos = now;
    return Optional.of(entry.session);
  }

  /** Ends the session a cookie value names (logout); whether there was one. */
  synchronized boolean close(String cookie) {
    return cookie != null
        && cookie.length() <= TokenStore.MAX_TOKEN_LENGTH
        && byHash.remove(TokenStore.sha256(cookie)) != null;
  }

  /** Sessions alive now. */
  synchronized int size() {
    expire(nanos.getAsLong());
    return byHash.size();
  }

  /**
   * Writes the live sessions to {@code file} (0600): each by its cookie's hash, never the cookie,
   * with its token's hash and name, CSRF value, and when it was opened and last used.
   */
  synchronized void save(Path file) throws IOException {
    long now = nanos.getAsLong();
    long wallNow = epochMillis.getAsLong();
    expire(now);
    ObjectNode root = JSON.createObjectNode();
    root.put("version", 1);
    ArrayNode list = root.putArray("sessions");
    byHash.forEach(
        (hash, entry) -> {
          ObjectNode node = list.addObject();
          node.put("cookieSha256", hash);
          node.put("tokenSha256", entry.session.tokenHash());
          node.put("tokenName", entry.session.tokenName());
          node.put("csrf", entry.session.csrf());
          node.put("opened", wallNow - (now - entry.session.openedNanos()) / 1_000_000);
          node.put("lastUsed", wallNow - (now - entry.lastUsedNanos) / 1_000_000);
        });
    PrivateFiles.write(file, JSON.writeValueAsBytes(root));
  }

  /**
   * Adds the sessions {@link #save} wrote to {@code file} (none there: none), as old as they were
   * by the wall clock; ended ones are left out. A damaged file is an error that names it.
   */
  synchronized int load(Path file) throws IOException {
    if (!Files.exists(file)) return 0;
    if (Files.size(file) > 2_000_000)
      throw new IOException(file + " is larger than 2 MB: not a session file");
    long now = nanos.getAsLong();
    long wallNow = epochMillis.getAsLong();
    JsonNode sessions;
    try {
      sessions = JSON.readTree(Files.readAllBytes(file)).path("sessions");
    } catch (IOException e) {
      throw new IOException(file + " is not valid JSON");
    }
    int loaded = 0;
    for (JsonNode node : sessions) {
      String hash = node.path("cookieSha256").asText("");
      String tokenHash = node.path("tokenSha256").asText("");
      String csrf = node.path("csrf").asText("");
      if (!hash.matches("[0-9a-f]{64}")
          || !tokenHash.matches("[0-9a-f]{64}")
          || csrf.length() < 20) {
        throw new IOException(file + ": a session entry is damaged");
      }
      long opened = now - Math.max(0, wallNow - node.path("opened").asLong()) * 1_000_000;
      long lastUsed = now - Math.max(0, wallNow - node.path("lastUsed").asLong()) * 1_000_000;
      Entry entry =
          new Entry(
              new Session(tokenHash, node.path("tokenName").asText(""), csrf, opened), lastUsed);
      if (ended(entry, now) || byHash.size() >= max) continue;
      byHash.put(hash, entry);
      loaded++;
    }
    return loaded;
  }

  /** Seconds a new session lasts at most (the cookie's Max-Age). */
  long lifetimeSeconds() {
    return lifetimeNanos / 1_000_000_000L;
  }

  /** Whether a presented CSRF value is the session's, compared in constant time. */
  static boolean csrfMatches(Session session, String presented) {
    return presented != null
        && MessageDigest.isEqual(
            session.csrf().getBytes(StandardCharsets.US_ASCII),
            presented.getBytes(StandardCharsets.US_ASCII));
  }

  private boolean ended(Entry entry, long now) {
    return now - entry.lastUsedNanos > idleNanos
        || now - entry.session.openedNanos() > lifetimeNanos;
  }

  private void expire(long now) {
    for (Iterator<Map.Entry<String, Entry>> all = byHash.entrySet().iterator(); all.hasNext(); ) {
      if (ended(all.next().getValue(), now)) all.remove();
    }
  }

  private String secret() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
