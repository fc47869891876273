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
    return "Basic " + Base64.getEncoder().encodeToString(
        (user + ":" + password).getBytes(StandardCharsets.UTF_8));
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
  void hashedPasswordIsAccepted() {
    String hashed = Credentials.hash("gateway");
    assertTrue(hashed.startsWith("{sha-256}"));
    Credentials credentials = new Credentials("admin", hashed);
    assertEquals(Optional.of("admin"), credentials.check(basic("admin", "gateway")));
    assertTrue(credentials.check(basic("admin", hashed)).isEmpty(), "the hash is not the password");
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
