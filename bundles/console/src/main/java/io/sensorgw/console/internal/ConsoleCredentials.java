package io.sensorgw.console.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the Web Console, from configuration PID {@code io.sensorgw.console}. Without a
 * configured password one is generated on first start and kept in {@code data/console-password}.
 * A configuration change makes a new instance (no modified method), which {@link ConsoleLogin}
 * picks up.
 */
@Component(
    service = ConsoleCredentials.class,
    configurationPid = ConsoleCredentials.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = ConsoleCredentials.Config.class)
public class ConsoleCredentials {
  static final String PID = "io.sensorgw.console";
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleCredentials.class);

  @ObjectClassDefinition(
      name = "sensorgw Web Console login",
      description = "Who may use /system/console. Leave the password empty to use the generated "
          + "one in the password file.")
  public @interface Config {
    @AttributeDefinition(name = "User name")
    String username() default "admin";

    @AttributeDefinition(
        name = "Password",
        description = "Plain text or {sha-256}<base64 of the SHA-256 digest>",
        type = AttributeType.PASSWORD)
    String password() default "";

    @AttributeDefinition(
        name = "Generated password file",
        description = "Where the generated password is kept, relative to the gateway's home")
    String password_file() default "data/console-password";
  }

  private final Credentials credentials;

  @Activate
  public ConsoleCredentials(Config config) throws IOException {
    String password = config.password();
    if (password == null || password.isEmpty()) {
      password = generatedPassword(Path.of(config.password_file()).toAbsolutePath());
    }
    credentials = new Credentials(config.username(), password);
    LOG.info("Web Console login: user '{}'", config.username());
  }

  Optional<String> check(String authorizationHeader) {
    return credentials.check(authorizationHeader);
  }

  private static String generatedPassword(Path file) throws IOException {
    if (Files.isRegularFile(file)) {
      String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!stored.isEmpty()) return stored;
    }
    String password = Credentials.randomPassword(new SecureRandom(), 20);
    Files.createDirectories(file.getParent());
    Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system; the file keeps its default permissions
    }
    LOG.warn("Web Console: no password configured; generated one for user 'admin' in {} "
        + "(set username/password in config/{}.cfg to choose your own)", file, PID);
    return password;
  }
}
