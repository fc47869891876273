package io.sensorgw.security.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
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
 * The API tokens, kept in one private file (0600). A token is {@code sgw_} and 43 characters of
 * 256 random bits; only its SHA-256 is stored. A fast hash is enough for a secret of that much
 * entropy (nobody can try 2^256 candidates), and a request is checked in microseconds: a stretched
 * hash (PBKDF2) is for passwords people choose, and would cost tens of milliseconds per request.
 * The token itself is shown once, when it is made.
 */
final class TokenStore {
  static final String PREFIX = "sgw_";
  /** Longest Authorization value looked at: a token is 47 characters. */
  static final int MAX_TOKEN_LENGTH = 100;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final int MAX_TOKENS = 1000;
  /** How precisely a token's last use is kept. */
  static final java.time.Duration LAST_USE_RESOLUTION = java.time.Duration.ofMinutes(1);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One token as stored: never the token itself. */
  record Token(String name, Scope scope, String sha256, Instant created, Instant lastUsed) {
    Token used(Instant when) {
      return new Token(name, scope, sha256, created, when);
    }
  }

  private final Path file;
  private final SecureRandom random;
  private final Supplier<Instant> clock;
  /** By hash: a presented token is found with one lookup of its hash. */
  private final Map<String, Token> byHash = new ConcurrentHashMap<>();

  private TokenStore(Path file, SecureRandom random, Supplier<Instant> clock) {
    this.file = file;
    this.random = random;
    this.clock = clock;
  }

  /** The store in {@code file} (none yet: empty); a damaged file is an error that names it. */
  static TokenStore open(Path file, SecureRandom random, Supplier<Instant> clock) throws IOException {
    TokenStore store = new TokenStore(file, random, clock);
    if (Files.exists(file)) store.load();
    return store;
  }

  Path file() {
    return file;
  }

  private void load() throws IOException {
    if (Files.size(file) > 1_000_000) throw new IOException(file + " is larger than 1 MB: not a token file");
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw new IOException(file + " is not valid JSON (line " + e.getLocation().getLineNr() + ")");
    }
    JsonNode tokens = root == null ? null : root.get("tokens");
    if (tokens == null || !tokens.isArray()) throw new IOException(file + " has no \"tokens\" list");
    for (JsonNode node : tokens) {
      try {
        String name = text(node, "name");
        String hash = text(node, "sha256");
        if (!NAME.matcher(name).matches() || !hash.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("bad name or hash");
        Instant created = Instant.ofEpochMilli(node.path("created").asLong());
        Instant lastUsed = node.hasNonNull("lastUsed") ? Instant.ofEpochMilli(node.get("lastUsed").asLong()) : null;
        byHash.put(hash, new Token(name, Scope.parse(text(node, "scope")), hash, created, lastUsed));
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
      throw new IllegalArgumentException("a token name is 1-64 characters of A-Z a-z 0-9 . _ -, was '" + name + "'");
    }
    if (find(name).isPresent()) throw new IllegalArgumentException("a token named '" + name + "' exists; revoke it first");
    if (byHash.size() >= MAX_TOKENS) throw new IllegalArgumentException("there are " + MAX_TOKENS + " tokens already");
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    Token entry = new Token(name, scope, sha256(token), clock.get(), null);
    byHash.put(entry.sha256(), entry);
    try {
      save();
    } catch (IOException e) {
      byHash.remove(entry.sha256());
      throw e;
    }
    return token;
  }

  /** Whether a token of that name existed (it is gone now). */
  synchronized boolean revoke(String name) throws IOException {
    Optional<Token> token = find(name);
    if (token.isEmpty()) return false;
    byHash.remove(token.get().sha256());
    try {
      save();
    } catch (IOException e) { // not on disk: it would come back at the next start, so keep it now too
      byHash.put(token.get().sha256(), token.get());
      throw e;
    }
    return true;
  }

  /** The token presented, if it is one of ours; its last use is noted (saved with the next change). */
  Optional<Token> authenticate(String presented) {
    if (presented == null || presented.length() > MAX_TOKEN_LENGTH || !presented.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String hash = sha256(presented);
    Token token = byHash.get(hash);
    if (token == null) return Optional.empty();
    // Noted at most once a minute: every request writing the same entry made them contend for it.
    Instant now = clock.get();
    if (token.lastUsed() == null || token.lastUsed().isBefore(now.minus(LAST_USE_RESOLUTION))) {
      byHash.computeIfPresent(hash, (key, current) -> current.used(now));
    }
    return Optional.of(token);
  }

  /** The token with that hash, as it is now (its scope may have been changed since). */
  Optional<Token> byHash(String sha256) {
    return Optional.ofNullable(byHash.get(sha256));
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

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
