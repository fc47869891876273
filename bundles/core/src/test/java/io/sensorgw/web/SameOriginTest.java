package io.sensorgw.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SameOriginTest {
  @Test
  void hostNamesAndOriginsParse() {
    assertEquals("::1", SameOrigin.hostName("[::1]:8000"));
    assertEquals("gw.local", SameOrigin.hostName("GW.local.:8443"));
    assertEquals("fe80::1", SameOrigin.hostName("fe80::1"));
    assertTrue(SameOrigin.matches("http://[::1]:8000", "[::1]:8000"));
    assertTrue(SameOrigin.matches("https://gw.local", "gw.local:443"));
    assertTrue(
        SameOrigin.matches("http://gw.local:8000/page.html", "gw.local:8000"),
        "a Referer names its page");
    assertFalse(
        SameOrigin.matches("https://gw.local", "gw.local:8000"), "another port is another origin");
    assertFalse(SameOrigin.matches("null", "gw.local"));
    assertFalse(SameOrigin.matches("http://evil.example", null));
  }
}
