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
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionsTest {
  private static final long MINUTE = 60_000_000_000L;
  @TempDir Path dir;
  private final AtomicLong wall = new AtomicLong(1_800_000_000_000L);

  private Sessions sessions(AtomicLong nanos) {
    return new Sessions(new SecureRandom(), nanos::get, wall::get, 10 * MINUTE, 60 * MINUTE, 10);
  }

  @Test
  void sessionsCarryOverARestartAsOldAsTheyWere() throws Exception {
    TokenStore tokens =
        TokenStore.open(dir.resolve("tokens.json"), new SecureRandom(), Instant::now);
    tokens.create("viewer", Scope.READ);
    TokenStore.Token viewer = tokens.list().get(0);
    AtomicLong before = new AtomicLong(5 * MINUTE);
    Sessions running = sessions(before);
    Sessions.Opened kept = running.open(viewer);
    Sessions.Opened idle = running.open(viewer);
    before.addAndGet(9 * MINUTE);
    wall.addAndGet(9 * 60_000);
    assertTrue(running.find(kept.cookie()).isPresent()); // used now; idle was not for 9 minutes
    Path file = dir.resolve("data/sessions.json");
    running.save(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    String written = Files.readString(file);
    assertFalse(
        written.contains(kept.cookie()) || written.contains(idle.cookie()),
        "no cookie in the file");

    // A restart two minutes later: another monotonic clock, the same wall clock.
    AtomicLong after = new AtomicLong(123);
    wall.addAndGet(2 * 60_000);
    Sessions restarted = sessions(after);
    assertEquals(1, restarted.load(file), "the one still within its idle time");
    assertEquals(
        kept.session().csrf(),
        restarted.find(kept.cookie()).orElseThrow().csrf(),
        "the same session");
    assertTrue(restarted.find(idle.cookie()).isEmpty(), "11 minutes idle: ended, restart or not");
    after.addAndGet(50 * MINUTE);
    assertTrue(
        restarted.find(kept.cookie()).isEmpty(),
        "the lifetime counts from the login, not the restart");
    assertEquals(
        0, sessions(new AtomicLong()).load(dir.resolve("none.json")), "no file: no sessions");
  }

  @Test
  void aDamagedFileIsAnErrorThatNamesIt() throws Exception {
    Path file = dir.resolve("sessions.json");
    Files.writeString(file, "{\"sessions\":[{\"cookieSha256\":\"x\"}]}");
    IOException damaged =
        assertThrows(IOException.class, () -> sessions(new AtomicLong()).load(file));
    assertTrue(damaged.getMessage().contains("sessions.json"), damaged.getMessage());
    Files.writeString(file, "not json");
    assertThrows(IOException.class, () -> sessions(new AtomicLong()).load(file));
  }
}
