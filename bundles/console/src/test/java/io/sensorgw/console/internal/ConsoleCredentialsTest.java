package io.sensorgw.console.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConsoleCredentialsTest {
  @TempDir Path dir;

  private ConsoleCredentials.Config config(String username, String password, int minLength) {
    String file = dir.resolve("data/console-password").toString();
    return new ConsoleCredentials.Config() {
      @Override
      public Class<? extends Annotation> annotationType() {
        return ConsoleCredentials.Config.class;
      }

      @Override
      public String username() {
        return username;
      }

      @Override
      public String _password() {
        return password;
      }

      @Override
      public int password_min_length() {
        return minLength;
      }

      @Override
      public String password_file() {
        return file;
      }
    };
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aShortPlainPasswordIsNotUsedAndTheGeneratedOnePrivateInstead() throws Exception {
    ConsoleCredentials login =
        new ConsoleCredentials(config("operator", "short", 12), java.util.Map.of());
    assertEquals(Optional.empty(), login.check(basic("operator", "short")));
    Path file = dir.resolve("data/console-password");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(
        Optional.of("operator"), login.check(basic("operator", Files.readString(file).trim())));
  }

  @Test
  void aLongEnoughOrHashedPasswordIsUsed() throws Exception {
    assertEquals(
        Optional.of("operator"),
        new ConsoleCredentials(config("operator", "twelve chars", 12), java.util.Map.of())
            .check(basic("operator", "twelve chars")));
    String hashed = Credentials.hash("short", new java.security.SecureRandom());
    assertEquals(
        Optional.of("operator"),
        new ConsoleCredentials(config("operator", hashed, 12), java.util.Map.of())
            .check(basic("operator", "short")),
        "a hash's length says nothing of the password's: the admin chose it");
    assertTrue(
        new ConsoleCredentials(config("operator", "short", 5), java.util.Map.of())
            .check(basic("operator", "short"))
            .isPresent(),
        "the bound is a setting");
  }

  @Test
  void theOldKeyPasswordStillWorksAndDotPasswordWins() throws Exception {
    assertEquals(
        Optional.of("operator"),
        new ConsoleCredentials(
                config("operator", "", 12), java.util.Map.of("password", "an old key's password"))
            .check(basic("operator", "an old key's password")));
    assertEquals(
        Optional.of("operator"),
        new ConsoleCredentials(
                config("operator", "the dotted one!", 12),
                java.util.Map.of("password", "an old key's password"))
            .check(basic("operator", "the dotted one!")));
  }
}
