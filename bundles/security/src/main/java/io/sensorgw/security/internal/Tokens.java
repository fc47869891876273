package io.sensorgw.security.internal;

import io.sensorgw.api.HealthSource;
import io.sensorgw.api.SensorState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's API tokens ({@link TokenStore}). On first start (no token file), an admin token is
 * made and written to the admin token file (0600), and its path logged. A token file that cannot be
 * read is a state, not a failed activation: every route but /health then answers 503 with the
 * reason (fail closed), and /health shows part {@code access} in error (reported by {@link
 * AccessFilter}).
 */
@Component(
    service = Tokens.class,
    configurationPid = Tokens.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class Tokens {
  static final String PID = "io.sensorgw.security";
  private static final Logger LOG = LoggerFactory.getLogger(Tokens.class);

  /**
   * The store (null when the file cannot be used) and why not; swapped whole when the files change.
   */
  private record State(Path tokensFile, Path adminTokenFile, TokenStore store, String problem) {}

  private volatile State state;

  @Activate
  public Tokens(SecurityConfig config) {
    this(
        Path.of(config.tokens_file()).toAbsolutePath(),
        Path.of(config.admin_token_file()).toAbsolutePath());
  }

  Tokens(Path tokensFile, Path adminTokenFile) {
    state = open(tokensFile, adminTokenFile);
  }

  /** Other settings change nothing here; other files are opened in place (the filter stays). */
  @Modified
  void modified(SecurityConfig config) {
    Path tokensFile = Path.of(config.tokens_file()).toAbsolutePath();
    Path adminTokenFile = Path.of(config.admin_token_file()).toAbsolutePath();
    State current = state;
    if (tokensFile.equals(current.tokensFile()) && adminTokenFile.equals(current.adminTokenFile()))
      return;
    save(current);
    state = open(tokensFile, adminTokenFile);
  }

  private static State open(Path tokensFile, Path adminTokenFile) {
    try {
      boolean first = !Files.exists(tokensFile); // revoking every token is not a first start
      TokenStore store = TokenStore.open(tokensFile, new SecureRandom(), Instant::now);
      if (first) firstAdminToken(store, adminTokenFile);
      return new State(tokensFile, adminTokenFile, store, "");
    } catch (IOException | RuntimeException e) {
      String problem = "cannot use the token file: " + e.getMessage();
      LOG.error("Access: {}; every route but /health answers 503 until it is fixed", problem);
      return new State(tokensFile, adminTokenFile, null, problem);
    }
  }

  private static void firstAdminToken(TokenStore store, Path file) throws IOException {
    String token = store.create("admin", Scope.ADMIN);
    PrivateFiles.write(file, (token + "\n").getBytes(StandardCharsets.UTF_8));
    LOG.warn(
        "Access: first start; made token 'admin' (scope admin) and wrote it to {} (readable by this "
            + "user only). Send it as 'Authorization: Bearer <token>'; make others with token:create",
        file);
  }

  /** The store, or empty with {@link #problem()} saying why. */
  Optional<TokenStore> store() {
    return Optional.ofNullable(state.store());
  }

  String problem() {
    return state.problem();
  }

  List<TokenStore.Token> list() {
    return store().map(TokenStore::list).orElse(List.of());
  }

  /** Error with the reason while the token file cannot be used. */
  HealthSource.Health health() {
    State current = state;
    return current.store() == null
        ? new HealthSource.Health(SensorState.ERROR, current.problem())
        : HealthSource.Health.ok();
  }

  /** The last uses are kept in memory; the file gets them at changes and here. */
  @Deactivate
  void deactivate() {
    save(state);
  }

  private static void save(State state) {
    if (state.store() == null) return;
    try {
      state.store().save();
    } catch (IOException e) {
      LOG.warn("Access: could not save the tokens' last uses: {}", e.toString());
    }
  }
}
