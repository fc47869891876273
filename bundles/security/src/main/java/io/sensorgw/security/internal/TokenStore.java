package io.sensorgw.security.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The API tokens, kept in one private file (0600). A token is {@code sgw_} and 43 characters of 256
 * random bits; only its SHA-256 is stored. A fast hash is enough for a secret of that much entropy
 * (nobody can try 2^256 candidates), and a request is checked in microseconds: a stretched hash
 * (PBKDF2) is for passwords people choose, and would cost tens of milliseconds per request. The
 * token itself is shown once, when it is made.
 */
final class TokenStore {
  static final String PREFIX = "sgw_";

  /** Longest Authorization value looked at: a token is 47 characters. */
  static final int MAX_TOKEN_LENGTH = 100;

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final int MAX_TOKENS = 1000;

  /** How precisely a token's last use is kept, in seconds. */
  static final long LAST_USE_RESOLUTION_S = 60;

  private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One token as stored: never the token itself. */
  record Token(String name, Scope scope, String sha256, Instant created, Instant lastUsed) {
    Token used(Instant when) {
      return new Token(name, scope, sha256, created, when);
    }
  }

  /**
   * A token's SHA-256 as a map key: four longs compare and hash without the 64-character hex text
   * the file and the sessions use, which every request would otherwise format.
   */
  static final class Digest {
    private final long a;
    private final long b;
    private final long c;
    private final long d;

    private Digest(long a, long b, long c, long d) {
      this.a = a;
      this.b = b;
      this.c = c;
      this.d = d;
    }

    static Digest of(byte[] sha256) {
      ByteBuffer bytes = ByteBuffer.wrap(sha256);
      return new Digest(bytes.getLong(), bytes.getLong(), bytes.getLong(), bytes.getLong());
    }

    static Digest ofHex(String sha256) {
      return of(HexFormat.of().parseHex(sha256));
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Digest digest
          && a == digest.a
          && b == digest.b
          && c == digest.c
          && d == digest.d;
    }

    @Override
    public int hashCode() {
      return (int) a; // bits of a SHA-256: as good as any other
    }
  }

  /**
   * One SHA-256 per thread: looking a digest up for every request (MessageDigest.getInstance walks
   * the providers and makes one) cost more than the hashing. The threads are Jetty's and outlive
   * this bundle, so they hold only a JDK object, nothing that would keep this bundle's classes.
   */
  private static final ThreadLocal<MessageDigest> SHA_256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java has SHA-256", e);
            }
          });

  private final Path file;
  private final SecureRandom random;
  private final Supplier<Instant> clock;

  /**
   * By hash: a presented token is found with one lookup of its hash; revoking removes it at once.
   */
  private final Map<Digest, Token> byHash = new ConcurrentHashMap<>();

  private TokenStore(Path file, SecureRandom random, Supplier<Instant> clock) {
    this.file = file;
    this.random = random;
    this.clock = clock;
  }

  /** The store in {@code file} (none yet: empty); a damaged file is an error that names it. */
  static TokenStore open(Path file, SecureRandom random, Supplier<Instant> clock)
      throws IOException {
    TokenStore store = new TokenStore(file, random, clock);
    if (Files.exists(file)) store.load();
    return store;
  }

  Path file() {
    return file;
  }

  private void load() throws IOException {
    if (Files.size(file) > 1_000_000)
      throw new IOException(file + " is larger than 1 MB: not a token file");
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw new IOException(file + " is not valid JSON (line " + e.getLocation().getLineNr() + ")");
    }
    JsonNode tokens = root == null ? null : root.get("tokens");
    if (tokens == null || !tokens.isArray())
      throw new IOException(file + " has no \"tokens\" list");
    for (JsonNode node : tokens) {
      try {
        String name = text(node, "name");
        String hash = text(node, "sha256");
        if (!NAME.matcher(name).matches() || !HEX_SHA256.matcher(hash).matches())
          throw new IllegalArgumentException("bad name or hash");
        Instant created = Instant.ofEpochMilli(node.path("created").asLong());
        Instant lastUsed =
            node.hasNonNull("lastUsed")
                ? Instant.ofEpochMilli(node.get("lastUsed").asLong())
                : null;
        byHash.put(
            Digest.ofHex(hash),
            new Token(name, Scope.parse(text(node, "scope")), hash, created, lastUsed));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": a token entry is damaged (" + e.getMessage() + ")");
      }
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) throw new IllegalArgumentException("no " + field);
    return value.asText();
  }

  /** Makes a token; returns it (the only time it is seen). */
  synchronized String create(String name, Scope scope) throws IOException {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a token name is 1-64 characters of A-Z a-z 0-9 . _ -, was '" + name + "'");
    }
    if (find(name).isPresent())
      throw new IllegalArgumentException("a token named '" + name + "' exists; revoke it first");
    if (byHash.size() >= MAX_TOKENS)
      throw new IllegalArgumentException("there are " + MAX_TOKENS + " tokens already");
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    Token entry = new Token(name, scope, sha256(token), clock.get(), null);
    Digest key = Digest.ofHex(entry.sha256());
    byHash.put(key, entry);
    try {
      save();
    } catch (IOException e) {
      byHash.remove(key);
      throw e;
    }
    return token;
  }

  /** Whether a token of that name existed (it is gone now). */
  synchronized boolean revoke(String name) throws IOException {
    Optional<Token> token = find(name);
    if (token.isEmpty()) return false;
    Digest key = Digest.ofHex(token.get().sha256());
    byHash.remove(key);
    try {
      save();
    } catch (
        IOException e) { // not on disk: it would come back at the next start, so keep it now too
      byHash.put(key, token.get());
      throw e;
    }
    return true;
  }

  /**
   * The token presented, if it is one of ours; its last use is noted (saved with the next change).
   * Each call hashes the token afresh and finds it in the map that revoking removes it from, so a
   * revoked token is refused from the next request on.
   */
  Optional<Token> authenticate(String presented) {
    if (presented == null
        || presented.length() > MAX_TOKEN_LENGTH
        || !presented.startsWith(PREFIX)) {
      return Optional.empty();
    }
    Digest digest = Digest.of(digest(presented));
    Token token = byHash.get(digest);
    if (token == null) return Optional.empty();
    // Noted at most once a minute: every request writing the same entry made them contend for it.
    Instant now = clock.get();
    if (token.lastUsed() == null
        || now.getEpochSecond() - token.lastUsed().getEpochSecond() >= LAST_USE_RESOLUTION_S) {
      byHash.computeIfPresent(digest, (key, current) -> current.used(now));
    }
    return Optional.of(token);
  }

  /** The token with that hash, as it is now (its scope may have been changed since). */
  Optional<Token> byHash(String sha256) {
    if (sha256 == null || !HEX_SHA256.matcher(sha256).matches()) return Optional.empty();
    return Optional.ofNullable(byHash.get(Digest.ofHex(sha256)));
  }

  List<Token> list() {
    List<Token> tokens = new ArrayList<>(byHash.values());
    tokens.sort((a, b) -> a.name().compareTo(b.name()));
    return tokens;
  }

  boolean isEmpty() {
    return byHash.isEmpty();
  }

  private Optional<Token> find(String name) {
    return byHash.values().stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** Writes the file (the last uses too). */
  synchronized void save() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", 1);
    ArrayNode tokens = root.putArray("tokens");
    for (Token token : list()) {
      ObjectNode node = tokens.addObject();
      node.put("name", token.name());
      node.put("scope", token.scope().label());
      node.put("sha256", token.sha256());
      node.put("created", token.created().toEpochMilli());
      if (token.lastUsed() != null) node.put("lastUsed", token.lastUsed().toEpochMilli());
    }
    PrivateFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
  }

  /** The SHA-256 of a secret in hex, as the token file and the sessions keep it. */
  static String sha256(String text) {
    return HexFormat.of().formatHex(digest(text));
  }

  private static byte[] digest(String text) {
    return SHA_256
        .get()
        .digest(text.getBytes(StandardCharsets.UTF_8)); // digest() leaves it reset for the next
  }
}
