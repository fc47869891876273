package io.sensorgw.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Hashtable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.junit5.context.BundleContextExtension;
import org.osgi.test.junit5.service.ServiceExtension;

/** The Web Console login follows ConfigAdmin, and admin/admin never opens it. */
@ExtendWith({BundleContextExtension.class, ServiceExtension.class})
class ConsoleLoginTest {
  @InjectBundleContext BundleContext context;

  @InjectService(timeout = Gateway.SERVICE_TIMEOUT_MS)
  ConfigurationAdmin configAdmin;

  private static HttpRequest.Builder console(Gateway gateway, String user, String password) {
    HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri("/system/console/bundles"));
    if (user != null) {
      request.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }
    return request;
  }

  @Test
  void configuredCredentialsOpenTheConsoleAndNothingElseDoes() throws Exception {
    Gateway gateway = new Gateway(context);
    Configuration config = configAdmin.getConfiguration("io.sensorgw.console", "?");
    // This test waits for changed credentials by trying them: no throttling of those tries.
    Configuration throttle = configAdmin.getConfiguration("io.sensorgw.security", "?");
    Hashtable<String, Object> generous = new Hashtable<>();
    generous.put("failures.max", 1000);
    throttle.update(generous);
    try {
      Hashtable<String, Object> props = new Hashtable<>();
      props.put("username", "operator");
      props.put(".password", "first-secret"); // the dot keeps it out of the service's properties
      config.update(props);
      Gateway.await(
          () -> status(gateway, "operator", "first-secret") == 200,
          "console opens with the configured credentials");
      assertEquals(401, status(gateway, null, null), "anonymous");
      org.osgi.framework.ServiceReference<?>[] services =
          context.getServiceReferences("io.sensorgw.console.internal.ConsoleCredentials", null);
      org.junit.jupiter.api.Assertions.assertNotNull(
          services, "the console's credentials are registered");
      for (org.osgi.framework.ServiceReference<?> service : services) {
        for (String key : service.getPropertyKeys()) {
          org.junit.jupiter.api.Assertions.assertFalse(
              key.toLowerCase(java.util.Locale.ROOT).contains("password")
                  && !key.equals("password.min.length")
                  && !key.equals("password.file"),
              "a password published as " + key);
        }
      }
      assertEquals(401, status(gateway, "admin", "admin"), "the Felix default");
      assertEquals(401, status(gateway, "operator", "wrong"), "wrong password");

      // A configuration change reaches the running component; the old key still works.
      props.remove(".password");
      props.put(
          "password",
          "{sha-256}"
              + Base64.getEncoder()
                  .encodeToString(
                      java.security.MessageDigest.getInstance("SHA-256")
                          .digest("second-secret".getBytes(StandardCharsets.UTF_8))));
      config.update(props);
      Gateway.await(
          () -> status(gateway, "operator", "second-secret") == 200,
          "console follows the changed password");
      assertEquals(401, status(gateway, "operator", "first-secret"), "old password refused");
    } finally {
      config.delete();
      throttle.delete();
    }
  }

  private static int status(Gateway gateway, String user, String password) {
    try {
      HttpResponse<String> response = gateway.send(console(gateway, user, password));
      return response.statusCode();
    } catch (java.io.IOException e) {
      return -1;
    }
  }
}
