package io.sensorgw.security.internal;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo commands for the API tokens: {@code token:create <name> <read|control|admin>} (shows the
 * token once), {@code token:list} (names, scopes, made, last used; never a token) and {@code
 * token:revoke <name>}. Each returns the text it shows.
 */
@Component(
    service = TokenCommands.class,
    property = {
      "osgi.command.scope=token",
      "osgi.command.function=create",
      "osgi.command.function=list",
      "osgi.command.function=revoke"
    })
public class TokenCommands {
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

  private final Tokens tokens;

  @Activate
  public TokenCommands(@Reference Tokens tokens) {
    this.tokens = tokens;
  }

  public String create(String name, String scope) {
    TokenStore store = tokens.store().orElse(null);
    if (store == null) return "cannot make tokens: " + tokens.problem();
    try {
      String token = store.create(name, Scope.parse(scope));
      return "token '"
          + name
          + "' (scope "
          + Scope.parse(scope).label()
          + "):\n"
          + token
          + "\nIt is shown this once (only its hash is kept). Send it as: Authorization: Bearer <token>";
    } catch (IllegalArgumentException e) {
      return "not made: " + e.getMessage();
    } catch (IOException e) {
      return "not made: cannot write " + store.file() + ": " + e.getMessage();
    }
  }

  public String list() {
    List<TokenStore.Token> all = tokens.list();
    if (all.isEmpty())
      return tokens.store().isPresent()
          ? "no tokens"
          : "cannot read the tokens: " + tokens.problem();
    StringBuilder out =
        new StringBuilder(
            String.format("%-24s %-8s %-20s %s%n", "NAME", "SCOPE", "MADE", "LAST USED"));
    for (TokenStore.Token token : all) {
      out.append(
          String.format(
              "%-24s %-8s %-20s %s%n",
              token.name(),
              token.scope().label(),
              when(token.created()),
              token.lastUsed() == null ? "never" : when(token.lastUsed())));
    }
    return out.toString().stripTrailing();
  }

  public String revoke(String name) {
    TokenStore store = tokens.store().orElse(null);
    if (store == null) return "cannot revoke: " + tokens.problem();
    try {
      return store.revoke(name)
          ? "revoked '" + name + "': it is refused from now on"
          : "no token named '" + name + "'";
    } catch (IOException e) {
      return "not revoked: cannot write " + store.file() + ": " + e.getMessage();
    }
  }

  private static String when(Instant instant) {
    return WHEN.format(instant);
  }
}
