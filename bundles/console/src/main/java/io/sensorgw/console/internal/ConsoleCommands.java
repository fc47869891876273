package io.sensorgw.console.internal;

import java.security.SecureRandom;
import org.osgi.service.component.annotations.Component;

/**
 * {@code console:hash <password>}: the salted, stretched form of a password, to put in {@code
 * config/io.sensorgw.console.cfg} instead of the password itself.
 */
@Component(
    service = ConsoleCommands.class,
    property = {"osgi.command.scope=console", "osgi.command.function=hash"})
public class ConsoleCommands {
  private final SecureRandom random = new SecureRandom();

  public String hash(String password) {
    if (password == null || password.isEmpty()) return "give the password to hash";
    return ".password=" + Credentials.hash(password, random);
  }
}
