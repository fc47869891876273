package io.sensorgw.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CredentialsTest {
  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void plainPasswordMatchesOnlyTheRightPair() {
    Credentials credentials = new Credentials("ops", "s3cret:with colon");
    assertEquals(Optional.of("ops"), credentials.check(basic("ops", "s3cret:with colon")));
    assertTrue(credentials.check(basic("ops", "s3cret")).isEmpty());
    assertTrue(credentials.check(basic("admin", "s3cret:with colon")).isEmpty());
    assertTrue(credentials.check(basic("admin", "admin")).isEmpty());
    assertTrue(credentials.check(null).isEmpty());
    assertTrue(credentials.check("Bearer abc").isEmpty());
    assertTrue(credentials.check("Basic !!!notbase64").isEmpty());
  }

  @Test
  void aSaltedStretchedHashIsAcceptedAndTheOldUnsaltedFormStillIs() {
    SecureRandom random = new SecureRandom();
    String hashed = Credentials.hash("gateway password", random);
    assertTrue(
        hashed.matches(
            "\\{pbkdf2\\}" + Credentials.ITERATIONS + "\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}"),
        hashed);
    assertNotEquals(
        hashed,
        Credentials.hash("gateway password", random),
        "salted: the same password hashes differently");
    Credentials credentials = new Credentials("admin", hashed);
    assertEquals(Credentials.Form.PBKDF2, credentials.form());
    assertTrue(
        credentials.check(basic("admin", "wrong password")).isEmpty(),
        "wrong before any right one");
    assertEquals(Optional.of("admin"), credentials.check(basic("admin", "gateway password")));
    assertEquals(
        Optional.of("admin"),
        credentials.check(basic("admin", "gateway password")),
        "again, from memory");
    assertTrue(
        credentials.check(basic("admin", "wrong password")).isEmpty(), "wrong after a right one");
    assertTrue(credentials.check(basic("other", "gateway password")).isEmpty());
    assertTrue(credentials.check(basic("admin", hashed)).isEmpty(), "the hash is not the password");

    String old = "{sha-256}" + java.util.Base64.getEncoder().encodeToString(sha256("gateway"));
    Credentials weak = new Credentials("admin", old);
    assertEquals(Credentials.Form.SHA256, weak.form());
    assertEquals(Optional.of("admin"), weak.check(basic("admin", "gateway")));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Credentials("admin", "{pbkdf2}0$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"));
    assertThrows(IllegalArgumentException.class, () -> new Credentials("admin", "{pbkdf2}garbage"));
  }

  private static byte[] sha256(String text) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void emptyPasswordIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Credentials("admin", ""));
  }

  @Test
  void generatedPasswordsDiffer() {
    SecureRandom random = new SecureRandom();
    String a = Credentials.randomPassword(random, 20);
    String b = Credentials.randomPassword(random, 20);
    assertEquals(20, a.length());
    assertNotEquals(a, b);
  }
}
