package io.sensorgw.console.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Map;
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
 * configured password one is generated on first start and kept in {@code data/console-password}. A
 * configuration change makes a new instance (no modified method), which {@link ConsoleLogin} picks
 * up.
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
      description =
          "Who may use /system/console. Leave the password empty to use the generated "
              + "one in the password file.")
  public @interface Config {
    @AttributeDefinition(name = "User name")
    String username() default "admin";

    @AttributeDefinition(
        name = "Password",
        description =
            "{pbkdf2}... as console:hash makes it (best), plain text, or the old unsalted "
                + "{sha-256}<base64>",
        type = AttributeType.PASSWORD)
    String _password() default ""; // key .password: kept out of the service's properties

    @AttributeDefinition(
        name = "Shortest plain password",
        description =
            "A plain-text password shorter than this is not used (the generated one is), 1-128",
        min = "1",
        max = "128")
    int password_min_length() default 12;

    @AttributeDefinition(
        name = "Generated password file",
        description = "Where the generated password is kept, relative to the gateway's home")
    String password_file() default "data/console-password";
  }

  private final Credentials credentials;

  @Activate
  public ConsoleCredentials(Config config, Map<String, Object> properties) throws IOException {
    this(config, password(config, properties));
  }

  /**
   * {@code .password}, or else the old key {@code password} with a warning: a configuration's keys
   * are published as the service's properties (the console's Services page shows them) unless they
   * start with a dot. The old key is read from the raw properties: declared, its default would be
   * published even when unset.
   */
  static String password(Config config, Map<String, Object> properties) {
    Object old = properties.get("password");
    if (!config._password().isEmpty() || old == null || old.toString().isEmpty())
      return config._password();
    LOG.warn(
        "Web Console: the key 'password' is published in the service's properties (the console shows "
            + "them); rename it to '.password' in config/{}.cfg",
        PID);
    return old.toString();
  }

  ConsoleCredentials(Config config, String password) throws IOException {
    int minLength = Math.max(1, Math.min(128, config.password_min_length()));
    Credentials configured = null;
    if (password != null && !password.isEmpty()) {
      try {
        configured = new Credentials(config.username(), password);
      } catch (IllegalArgumentException e) {
        LOG.error(
            "Web Console: the configured password is not usable ({}); using the generated one",
            e.getMessage());
      }
    }
    if (configured != null
        && configured.form() == Credentials.Form.PLAIN
        && password.length() < minLength) {
      LOG.error(
          "Web Console: the configured password has {} characters, fewer than {} (password.min.length); "
              + "using the generated one",
          password.length(),
          minLength);
      configured = null;
    }
    if (configured != null && configured.form() == Credentials.Form.SHA256) {
      LOG.warn(
          "Web Console: the password is an unsalted {sha-256} digest, which a table of common passwords "
              + "breaks; replace it with the {pbkdf2} form console:hash makes");
    }
    credentials =
        configured != null
            ? configured
            : new Credentials(
                config.username(),
                generatedPassword(Path.of(config.password_file()).toAbsolutePath()));
    LOG.info("Web Console login: user '{}'", credentials.username());
  }

  String username() {
    return credentials.username();
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
    try { // created private: never readable by others, not even for a moment
      Files.deleteIfExists(file);
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system; the file keeps its default permissions
    }
    Files.writeString(file, password + "\n", StandardCharsets.UTF_8);
    LOG.warn(
        "Web Console: no usable password configured; generated one in {} "
            + "(set username/password in config/{}.cfg to choose your own)",
        file,
        PID);
    return password;
  }
}
