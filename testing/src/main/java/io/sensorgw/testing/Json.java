package io.sensorgw.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** JSON read by parsing, so a test asserts fields, not substrings that happen to match. */
public final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper(); // immutable once configured

  private Json() {}

  /** The parsed document; fails with the text when it is not JSON. */
  public static JsonNode parse(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + text, e);
    }
  }
}
