package io.sensorgw.console.internal;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.felix.webconsole.spi.SecurityProvider;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The Web Console's only login. The runtime sets {@code felix.webconsole.security.providers=sensorgw},
 * so the console serves nothing until this provider is registered, and its admin/admin default is
 * never active. The provider has no configuration of its own, so its registration stays put while
 * {@link ConsoleCredentials} follow configuration changes; between two credentials, all are refused.
 */
@Component(property = SecurityProvider.PROPERTY_ID + "=" + ConsoleLogin.PROVIDER_ID)
public class ConsoleLogin implements SecurityProvider {
  static final String PROVIDER_ID = "sensorgw";

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile ConsoleCredentials credentials;

  @Override
  public Object authenticate(HttpServletRequest request, HttpServletResponse response) {
    ConsoleCredentials current = credentials;
    if (current != null) {
      var user = current.check(request.getHeader("Authorization"));
      if (user.isPresent()) return user.get();
    }
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
    // Basic authentication keeps no server-side session to end.
  }
}
