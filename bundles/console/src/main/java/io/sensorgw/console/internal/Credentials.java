package io.sensorgw.console.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * A user name and a password, given as {@code {pbkdf2}<iterations>$<salt>$<hash>} (salted and
 * stretched, PBKDF2WithHmacSHA256; {@link #hash} makes one), the old unsalted {@code
 * {sha-256}<base64>}, or plain text, and checked in constant time against the credentials of an
 * HTTP Basic header. A browser sends Basic credentials with every request, so once a PBKDF2 check
 * has passed the password's SHA-256 is kept in memory and later requests cost one digest, not
 * another stretching.
 */
final class Credentials {
  private static final String SHA256 = "{sha-256}";
  private static final String PBKDF2 = "{pbkdf2}";
  static final int ITERATIONS = 210_000;
  private static final int MAX_ITERATIONS = 10_000_000;
  private static final char[] ALPHABET =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();

  private final String username;
  private final Form form;
  private final byte[]
      expectedDigest; // SHA-256 of the password (plain, {sha-256}); null for PBKDF2
  private final Pbkdf2 pbkdf2; // null unless PBKDF2
  private volatile byte[] verifiedDigest; // SHA-256 of a password a PBKDF2 check accepted

  /** How the password was given. */
  enum Form {
    PLAIN,
    SHA256,
    PBKDF2
  }

  private record Pbkdf2(int iterations, byte[] salt, byte[] hash) {}

  Credentials(String username, String password) {
    if (username == null || username.isBlank())
      throw new IllegalArgumentException("empty user name");
    if (password == null || password.isEmpty())
      throw new IllegalArgumentException("empty password");
    this.username = username;
    String lower = password.toLowerCase(Locale.ROOT);
    if (lower.startsWith(PBKDF2)) {
      form = Form.PBKDF2;
      pbkdf2 = parsePbkdf2(password.substring(PBKDF2.length()).trim());
      expectedDigest = null;
    } else if (lower.startsWith(SHA256)) {
      form = Form.SHA256;
      pbkdf2 = null;
      expectedDigest = Base64.getDecoder().decode(password.substring(SHA256.length()).trim());
    } else {
      form = Form.PLAIN;
      pbkdf2 = null;
      expectedDigest = sha256(password);
    }
  }

  Form form() {
    return form;
  }

  private static Pbkdf2 parsePbkdf2(String text) {
    String[] parts = text.split("\\$");
    if (parts.length != 3)
      throw new IllegalArgumentException("{pbkdf2} needs <iterations>$<salt>$<hash>");
    int iterations;
    try {
      iterations = Integer.parseInt(parts[0]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("{pbkdf2} iterations must be a number");
    }
    if (iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new IllegalArgumentException("{pbkdf2} iterations must be 1.." + MAX_ITERATIONS);
    }
    byte[] salt = Base64.getDecoder().decode(parts[1]);
    byte[] hash = Base64.getDecoder().decode(parts[2]);
    if (salt.length < 8 || hash.length < 16)
      throw new IllegalArgumentException("{pbkdf2} salt or hash too short");
    return new Pbkdf2(iterations, salt, hash);
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
    String password = decoded.substring(colon + 1);
    byte[] digest = sha256(password);
    boolean userMatches =
        MessageDigest.isEqual(
            user.getBytes(StandardCharsets.UTF_8), username.getBytes(StandardCharsets.UTF_8));
    boolean passwordMatches;
    if (pbkdf2 == null) {
      passwordMatches = MessageDigest.isEqual(digest, expectedDigest);
    } else {
      byte[] verified = verifiedDigest;
      passwordMatches =
          verified != null
              ? MessageDigest.isEqual(digest, verified)
              : MessageDigest.isEqual(
                  derive(password, pbkdf2.salt(), pbkdf2.iterations(), pbkdf2.hash().length),
                  pbkdf2.hash());
      if (passwordMatches && userMatches) verifiedDigest = digest;
    }
    return userMatches && passwordMatches ? Optional.of(user) : Optional.empty();
  }

  /** {@code {pbkdf2}<iterations>$<salt>$<hash>}: the form to put in a configuration file. */
  static String hash(String password, SecureRandom random) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    Base64.Encoder base64 = Base64.getEncoder().withoutPadding();
    return PBKDF2
        + ITERATIONS
        + "$"
        + base64.encodeToString(salt)
        + "$"
        + base64.encodeToString(derive(password, salt, ITERATIONS, 32));
  }

  private static byte[] derive(String password, byte[] salt, int iterations, int length) {
    try {
      javax.crypto.SecretKeyFactory factory =
          javax.crypto.SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
      return factory
          .generateSecret(
              new javax.crypto.spec.PBEKeySpec(
                  password.toCharArray(), salt, iterations, length * 8))
          .getEncoded();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("every Java has PBKDF2WithHmacSHA256", e);
    }
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
