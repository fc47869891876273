package io.sensorgw.security.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sensorgw.api.SensorState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCommandsTest {
  @TempDir Path dir;

  @Test
  void firstStartWritesAnAdminTokenOnceAndTheCommandsManageTokens() throws Exception {
    Path tokensFile = dir.resolve("data/tokens.json");
    Path adminFile = dir.resolve("data/admin-token");
    Tokens tokens = new Tokens(tokensFile, adminFile);
    String admin = Files.readString(adminFile).trim();
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(adminFile)));
    assertEquals(
        Scope.ADMIN, tokens.store().orElseThrow().authenticate(admin).orElseThrow().scope());

    TokenCommands commands = new TokenCommands(tokens);
    String created = commands.create("grafana", "read");
    String token = created.lines().filter(l -> l.startsWith("sgw_")).findFirst().orElseThrow();
    assertTrue(commands.list().contains("grafana"), commands.list());
    assertFalse(commands.list().contains(token), "list never shows a token");
    assertTrue(
        commands.create("grafana", "read").startsWith("not made: a token named 'grafana' exists"));
    assertTrue(commands.create("x", "root").contains("scope must be read, control or admin"));
    assertTrue(commands.revoke("grafana").startsWith("revoked 'grafana'"));
    assertTrue(tokens.store().orElseThrow().authenticate(token).isEmpty());
    assertEquals("no token named 'grafana'", commands.revoke("grafana"));

    // Revoking every token and starting again is not a first start: no new admin token appears.
    commands.revoke("admin");
    Files.delete(adminFile);
    Tokens again = new Tokens(tokensFile, adminFile);
    assertTrue(again.list().isEmpty());
    assertFalse(Files.exists(adminFile));
  }

  @Test
  void aDamagedTokenFileIsAnErrorStateNotAFailedStart() throws Exception {
    Path tokensFile = Files.createDirectories(dir.resolve("data")).resolve("tokens.json");
    Files.writeString(tokensFile, "garbage");
    Tokens tokens = new Tokens(tokensFile, dir.resolve("data/admin-token"));
    assertEquals(SensorState.ERROR, tokens.health().state());
    assertTrue(
        tokens.health().reason().startsWith("cannot use the token file"), tokens.health().reason());
    assertTrue(new TokenCommands(tokens).create("a", "read").startsWith("cannot make tokens"));
  }
}
