package io.sensorgw.security.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenStoreTest {
  @TempDir Path dir;

  @Test
  void tokensAreKeptHashedInAPrivateFileAndSurviveAReopen() throws Exception {
    Path file = dir.resolve("data/tokens.json");
    TokenStore store = TokenStore.open(file, new SecureRandom(), Instant::now);
    String token = store.create("grafana", Scope.READ);
    assertTrue(token.matches("sgw_[A-Za-z0-9_-]{43}"), token);
    String text = Files.readString(file);
    assertFalse(text.contains(token.substring(4)), "the token itself is not stored");
    assertTrue(text.contains(TokenStore.sha256(token)));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));

    TokenStore reopened = TokenStore.open(file, new SecureRandom(), Instant::now);
    assertEquals("grafana", reopened.authenticate(token).orElseThrow().name());
    assertEquals(Scope.READ, reopened.authenticate(token).orElseThrow().scope());
    assertTrue(reopened.authenticate(token + "x").isEmpty());
    assertTrue(reopened.authenticate("sgw_" + "x".repeat(200)).isEmpty(), "overlong");
  }

  @Test
  void revokedIsRefusedAndNamesAreCheckedAndUnique() throws Exception {
    TokenStore store = TokenStore.open(dir.resolve("tokens.json"), new SecureRandom(), Instant::now);
    String token = store.create("ci", Scope.CONTROL);
    assertThrows(IllegalArgumentException.class, () -> store.create("ci", Scope.READ));
    assertThrows(IllegalArgumentException.class, () -> store.create("has space", Scope.READ));
    assertThrows(IllegalArgumentException.class, () -> store.create("x".repeat(65), Scope.READ));
    assertTrue(store.revoke("ci"));
    assertFalse(store.revoke("ci"));
    assertTrue(store.authenticate(token).isEmpty());
    assertTrue(TokenStore.open(dir.resolve("tokens.json"), new SecureRandom(), Instant::now).authenticate(token).isEmpty());
  }

  @Test
  void lastUseIsNotedAndSaved() throws Exception {
    Path file = dir.resolve("tokens.json");
    Instant[] now = {Instant.parse("2026-12-01T10:00:00Z")};
    TokenStore store = TokenStore.open(file, new SecureRandom(), () -> now[0]);
    String token = store.create("a", Scope.READ);
    now[0] = Instant.parse("2026-12-01T11:00:00Z");
    store.authenticate(token);
    store.save();
    assertEquals(now[0], TokenStore.open(file, new SecureRandom(), Instant::now).list().get(0).lastUsed());
  }

  @Test
  void aDamagedFileIsAnErrorThatNamesIt() throws Exception {
    Path file = dir.resolve("tokens.json");
    Files.writeString(file, "{\"tokens\": [{\"name\": \"a\", \"scope\": \"root\", \"sha256\": \"" + "0".repeat(64) + "\"}]}");
    IOException error = assertThrows(IOException.class, () -> TokenStore.open(file, new SecureRandom(), Instant::now));
    assertTrue(error.getMessage().contains("tokens.json") && error.getMessage().contains("scope must be"), error.getMessage());
    Files.writeString(file, "{not json");
    assertThrows(IOException.class, () -> TokenStore.open(file, new SecureRandom(), Instant::now));
  }
}
