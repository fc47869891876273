package io.sensorgw.console.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * A user name and a password, kept as given ({@code {sha-256}<base64>} or plain text) and checked
 * in constant time against the credentials of an HTTP Basic header.
 */
final class Credentials {
  private static final String SHA256 = "{sha-256}";
  private static final char[] ALPHABET =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();

  private final String username;
  private final byte[] expectedDigest;

  Credentials(String username, String password) {
    if (username == null || username.isBlank()) throw new IllegalArgumentException("empty user name");
    if (password == null || password.isEmpty()) throw new IllegalArgumentException("empty password");
    this.username = username;
    this.expectedDigest =
        password.toLowerCase(Locale.ROOT).startsWith(SHA256)
            ? Base64.getDecoder().decode(password.substring(SHA256.length()).trim())
            : sha256(password);
  }

  String username() {
    return username;
  }

  /** The user name when the {@code Authorization} header carries these credentials. */
  Optional<String> check(String authorizationHeader) {
    if (authorizationHeader == null) return Optional.empty();
    String[] parts = authorizationHeader.trim().split("\\s+", 2);
    if (parts.length != 2 || !parts[0].equalsIgnoreCase("Basic")) return Optional.empty();
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) return Optional.empty();
    String user = decoded.substring(0, colon);
    byte[] digest = sha256(decoded.substring(colon + 1));
    boolean userMatches = MessageDigest.isEqual(
        user.getBytes(StandardCharsets.UTF_8), username.getBytes(StandardCharsets.UTF_8));
    boolean passwordMatches = MessageDigest.isEqual(digest, expectedDigest);
    return userMatches && passwordMatches ? Optional.of(user) : Optional.empty();
  }

  /** {@code {sha-256}<base64>}: the form to put in a configuration file instead of plain text. */
  static String hash(String password) {
    return SHA256 + Base64.getEncoder().encodeToString(sha256(password));
  }

  static String randomPassword(SecureRandom random, int length) {
    StringBuilder password = new StringBuilder(length);
    for (int i = 0; i < length; i++) password.append(ALPHABET[random.nextInt(ALPHABET.length)]);
    return password.toString();
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
