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
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));

    TokenStore reopened = TokenStore.open(file, new SecureRandom(), Instant::now);
    assertEquals("grafana", reopened.authenticate(token).orElseThrow().name());
    assertEquals(Scope.READ, reopened.authenticate(token).orElseThrow().scope());
    assertTrue(reopened.authenticate(token + "x").isEmpty());
    assertTrue(reopened.authenticate("sgw_" + "x".repeat(200)).isEmpty(), "overlong");
  }

  @Test
  void revokedIsRefusedAndNamesAreCheckedAndUnique() throws Exception {
    TokenStore store =
        TokenStore.open(dir.resolve("tokens.json"), new SecureRandom(), Instant::now);
    String token = store.create("ci", Scope.CONTROL);
    assertThrows(IllegalArgumentException.class, () -> store.create("ci", Scope.READ));
    assertThrows(IllegalArgumentException.class, () -> store.create("has space", Scope.READ));
    assertThrows(IllegalArgumentException.class, () -> store.create("x".repeat(65), Scope.READ));
    assertTrue(store.revoke("ci"));
    assertFalse(store.revoke("ci"));
    assertTrue(store.authenticate(token).isEmpty());
    assertTrue(
        TokenStore.open(dir.resolve("tokens.json"), new SecureRandom(), Instant::now)
            .authenticate(token)
            .isEmpty());
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
    assertEquals(
        now[0], TokenStore.open(file, new SecureRandom(), Instant::now).list().get(0).lastUsed());
  }

  @Test
  void lastUseIsNotedAtMostOnceAMinute() throws Exception {
    Instant[] now = {Instant.parse("2026-12-01T10:00:00Z")};
    TokenStore store =
        TokenStore.open(dir.resolve("tokens.json"), new SecureRandom(), () -> now[0]);
    String token = store.create("a", Scope.READ);
    store.authenticate(token);
    assertEquals(now[0], store.list().get(0).lastUsed());
    Instant first = now[0];
    now[0] = first.plusSeconds(59);
    store.authenticate(token);
    assertEquals(first, store.list().get(0).lastUsed(), "within the minute: kept");
    now[0] = first.plusSeconds(60);
    store.authenticate(token);
    assertEquals(now[0], store.list().get(0).lastUsed());
  }

  @Test
  void onlyTheTokenItselfIsAccepted() throws Exception {
    TokenStore store =
        TokenStore.open(dir.resolve("tokens.json"), new SecureRandom(), Instant::now);
    String token = store.create("a", Scope.READ);
    char last = token.charAt(token.length() - 1);
    // A character whose low byte is the token's last one: the same bytes only if cut to 8 bits.
    String lookalike = token.substring(0, token.length() - 1) + (char) (0x100 | last);
    assertTrue(store.authenticate(lookalike).isEmpty());
    assertTrue(store.authenticate(token.substring(0, token.length() - 1)).isEmpty());
    assertTrue(store.authenticate(token.toUpperCase(java.util.Locale.ROOT)).isEmpty());
    assertEquals("a", store.authenticate(token).orElseThrow().name());
    assertEquals(
        "a", store.byHash(TokenStore.sha256(token)).orElseThrow().name(), "as a session finds it");
    assertTrue(store.byHash("not a hash").isEmpty());
    assertEquals(
        TokenStore.sha256(token), TokenStore.sha256(token), "the digest is reset between uses");
    assertEquals(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        TokenStore.sha256("abc"));
  }

  @Test
  void aDamagedFileIsAnErrorThatNamesIt() throws Exception {
    Path file = dir.resolve("tokens.json");
    Files.writeString(
        file,
        "{\"tokens\": [{\"name\": \"a\", \"scope\": \"root\", \"sha256\": \""
            + "0".repeat(64)
            + "\"}]}");
    IOException error =
        assertThrows(
            IOException.class, () -> TokenStore.open(file, new SecureRandom(), Instant::now));
    assertTrue(
        error.getMessage().contains("tokens.json") && error.getMessage().contains("scope must be"),
        error.getMessage());
    Files.writeString(file, "{not json");
    assertThrows(IOException.class, () -> TokenStore.open(file, new SecureRandom(), Instant::now));
  }
}
