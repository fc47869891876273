package io.sensorgw.console.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Web Console's only login. The runtime sets {@code felix.webconsole.security.providers=sensorgw},
 * so the console serves nothing until this provider is registered and its admin/admin default is
 * never active. Credentials come from configuration; without a password there, one is generated on
 * first start and kept in {@code data/console-password}.
 */
@Component(
    configurationPid = ConsoleLogin.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL,
    property = SecurityProvider.PROPERTY_ID + "=" + ConsoleLogin.PROVIDER_ID)
@Designate(ocd = ConsoleLogin.Config.class)
public class ConsoleLogin implements SecurityProvider {
  static final String PID = "io.sensorgw.console";
  static final String PROVIDER_ID = "sensorgw";
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleLogin.class);

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

  private volatile Credentials credentials;

  @Activate
  @Modified
  void configure(Config config, BundleContext context) throws IOException {
    String password = config.password();
    if (password == null || password.isEmpty()) {
      password = generatedPassword(Path.of(config.password_file()).toAbsolutePath());
    }
    credentials = new Credentials(config.username(), password);
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

  @Override
  public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
    Credentials current = credentials;
    var user = current.check(request.getHeader("Authorization"));
    if (user.isPresent()) return user.get();
    response.setHeader("WWW-Authenticate", "Basic realm=\"sensorgw\", charset=\"UTF-8\"");
    response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
    response.setContentLength(0);
    try {
      response.flushBuffer();
    } catch (IOException e) {
      // the client went away; nothing to answer
    }
    return null;
  }

  @Override
  public boolean authorize(Object user, String role) {
    return user != null; // one role: the configured user may do everything
  }

  @Override
  public void logout(HttpServletRequest request, HttpServletResponse response) {
    // Basic authentication has no server-side session to end.
  }
}
