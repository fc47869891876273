package io.sensorgw.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks a component's configuration once, at activation: every number against its documented range
 * (finite numbers only), every choice against its options, every text against its length, the
 * sensor id against the id rule. Each problem becomes one line such as {@code sample.rate.hz must
 * be 4..1000, was 0}; a driver hands the check to {@link DeviceSensor#attach(SensorReader,
 * io.sensorgw.concurrent.ManagedExecutor, ConfigCheck)}, which registers the sensor in state ERROR
 * with the problems as its reason instead of failing activation (a sensor with a bad configuration
 * stays visible).
 *
 * <p>Settings are read through suppliers (e.g. {@code config::sample_rate_hz}) because the typed
 * configuration throws when a value cannot be converted ({@code output.rate.hz=1e9} for an int);
 * the raw value from the component properties is what a problem line shows.
 *
 * <p>Every check returns a well-formed value even for a bad setting (the nearest bound, the first
 * option), so that the sensor can be built and registered. The sensor never runs with it: a problem
 * keeps it in ERROR until a corrected configuration replaces the component.
 */
public final class ConfigCheck {
  /** Sensor ids: at most this long. */
  public static final int MAX_ID_LENGTH = 64;

  /** Free text settings (ports, paths, commands): at most this long. */
  public static final int MAX_TEXT_LENGTH = 1024;

  /** {@code max.age.ms}: 0 (every read is fresh) to one hour. */
  public static final long MAX_AGE_MS_MAX = 3_600_000;

  /** {@code read.timeout.ms}: 1 ms to five minutes. */
  public static final long READ_TIMEOUT_MS_MAX = 300_000;

  /** {@code publish.interval.ms}: 0 (publish every reading) to one day. */
  public static final long PUBLISH_INTERVAL_MS_MAX = 86_400_000;

  private static final Pattern SENSOR_ID =
      Pattern.compile("[A-Za-z0-9._-]{1," + MAX_ID_LENGTH + "}");
  private static final Pattern NOT_ID_CHARACTER = Pattern.compile("[^A-Za-z0-9._-]");

  /** A problem line shows at most this much of a bad value. */
  private static final int MAX_SHOWN = 80;

  private final Map<String, ?> properties;
  private final List<String> problems = new ArrayList<>();

  /**
   * @param properties the component's properties (its configuration), for showing raw values in
   *     problem lines; may be empty
   */
  public ConfigCheck(Map<String, ?> properties) {
    this.properties = properties == null ? Map.of() : properties;
  }

  /**
   * The sensor id: 1 to {@value #MAX_ID_LENGTH} characters of {@code A-Z a-z 0-9 . _ -}, not {@code
   * .} or {@code ..} (it is a path segment in routes and a topic level in MQTT). A bad id is a
   * problem, and the sensor gets a placeholder, {@code invalid-} followed by the id with every
   * other character replaced by {@code _} (cut to length), so that it can be registered and found,
   * in ERROR, under a name that says what happened.
   */
  public String sensorId(Supplier<String> setting) {
    String id = read(setting);
    if (id != null && SENSOR_ID.matcher(id).matches() && !id.equals(".") && !id.equals(".."))
      return id;
    problems.add(
        "sensor.id must be 1.."
            + MAX_ID_LENGTH
            + " characters of A-Z a-z 0-9 . _ -, was "
            + quoted(id == null ? raw("sensor.id") : id));
    String safe = id == null ? "" : NOT_ID_CHARACTER.matcher(id).replaceAll("_");
    String placeholder = "invalid-" + (safe.isEmpty() ? "id" : safe);
    return placeholder.length() <= MAX_ID_LENGTH
        ? placeholder
        : placeholder.substring(0, MAX_ID_LENGTH);
  }

  /** A whole number in {@code min..max}; otherwise a problem, and the nearest bound. */
  public int intIn(String key, IntSupplier setting, int min, int max) {
    try {
      int value = setting.getAsInt();
      if (value >= min && value <= max) return value;
      problems.add(key + " must be " + min + ".." + max + ", was " + value);
      return value < min ? min : max;
    } catch (RuntimeException unconvertible) {
      problems.add(key + " must be a whole number in " + min + ".." + max + ", was " + shown(key));
      return min;
    }
  }

  /** A whole number in {@code min..max}; otherwise a problem, and the nearest bound. */
  public long longIn(String key, LongSupplier setting, long min, long max) {
    try {
      long value = setting.getAsLong();
      if (value >= min && value <= max) return value;
      problems.add(key + " must be " + min + ".." + max + ", was " + value);
      return value < min ? min : max;
    } catch (RuntimeException unconvertible) {
      problems.add(key + " must be a whole number in " + min + ".." + max + ", was " + shown(key));
      return min;
    }
  }

  /**
   * A finite number in {@code min..max}; otherwise (NaN and infinities too) a problem, and a bound.
   */
  public double numberIn(String key, DoubleSupplier setting, double min, double max) {
    try {
      double value = setting.getAsDouble();
      if (value >= min && value <= max) return value; // false for NaN
      problems.add(
          key
              + " must be a finite number in "
              + number(min)
              + ".."
              + number(max)
              + ", was "
              + number(value));
      return value > max ? max : min;
    } catch (RuntimeException unconvertible) {
      problems.add(
          key
              + " must be a finite number in "
              + number(min)
              + ".."
              + number(max)
              + ", was "
              + shown(key));
      return min;
    }
  }

  /**
   * Exactly {@code count} finite numbers, each in {@code min..max} (e.g. X, Y, Z offsets); empty or
   * absent means {@code count} zeros. Otherwise a problem, and zeros.
   */
  public double[] numbersIn(
      String key, Supplier<double[]> setting, int count, double min, double max) {
    double[] values = null;
    boolean convertible = true;
    try {
      values = setting.get();
    } catch (RuntimeException unconvertible) {
      convertible = false;
    }
    if (convertible && (values == null || values.length == 0)) return new double[count];
    boolean fine = convertible && values.length == count;
    for (int i = 0; fine && i < count; i++) fine = values[i] >= min && values[i] <= max;
    if (fine) return values.clone();
    problems.add(
        key
            + " must be "
            + count
            + " finite numbers in "
            + number(min)
            + ".."
            + number(max)
            + ", was "
            + (convertible
                ? Arrays.stream(values)
                    .mapToObj(ConfigCheck::number)
                    .collect(Collectors.joining(","))
                : shown(key)));
    return new double[count];
  }

  /** One of {@code options}; otherwise a problem, and the first option. */
  public String oneOf(String key, Supplier<String> setting, String... options) {
    String value = read(setting);
    for (String option : options) if (option.equals(value)) return option;
    problems.add(key + " must be " + choices(List.of(options)) + ", was " + quoted(value));
    return options[0];
  }

  /**
   * A setting with a closed set of values, as an enum: each constant says the text that selects it
   * in a configuration ({@code hardware}, {@code uint16le-mm}), which need not be a Java name. The
   * configuration attribute stays a {@code String} (so every value that worked as text still does,
   * and the metatype lists the same texts as its options); the driver switches over the enum.
   */
  public interface Choice {
    /** The text that selects this constant in a configuration, matched exactly. */
    String configValue();

    /**
     * The constant of {@code choices} selected by {@code value}.
     *
     * @throws IllegalArgumentException naming {@code key}, the value and every allowed value, e.g.
     *     {@code mode must be hardware or simulated, was "simulate"}
     */
    static <E extends Enum<E> & Choice> E parse(String key, String value, Class<E> choices) {
      E[] constants = choices.getEnumConstants();
      for (E constant : constants) if (constant.configValue().equals(value)) return constant;
      throw new IllegalArgumentException(
          key
              + " must be "
              + choices(Arrays.stream(constants).map(Choice::configValue).toList())
              + ", was "
              + quoted(value));
    }
  }

  /**
   * The constant of {@code choices} whose {@link Choice#configValue()} is the setting; otherwise a
   * problem naming the setting, the value and every allowed value, and the first constant.
   */
  public <E extends Enum<E> & Choice> E oneOf(
      String key, Supplier<String> setting, Class<E> choices) {
    try {
      return Choice.parse(key, read(setting), choices);
    } catch (IllegalArgumentException unknown) {
      problems.add(unknown.getMessage());
      return choices.getEnumConstants()[0];
    }
  }

  /** One of {@code options}; otherwise a problem, and the first option. */
  public int oneOf(String key, IntSupplier setting, int... options) {
    String choices = choices(Arrays.stream(options).mapToObj(Integer::toString).toList());
    try {
      int value = setting.getAsInt();
      for (int option : options) if (option == value) return option;
      problems.add(key + " must be " + choices + ", was " + value);
    } catch (RuntimeException unconvertible) {
      problems.add(key + " must be " + choices + ", was " + shown(key));
    }
    return options[0];
  }

  /**
   * Free text of at most {@value #MAX_TEXT_LENGTH} characters, trimmed; when {@code required}, not
   * empty. Otherwise a problem, and the empty string.
   */
  public String text(String key, Supplier<String> setting, boolean required) {
    String value = read(setting);
    String trimmed = value == null ? "" : value.trim();
    if (trimmed.length() > MAX_TEXT_LENGTH) {
      problems.add(
          key + " must be at most " + MAX_TEXT_LENGTH + " characters, was " + trimmed.length());
      return "";
    }
    if (required && trimmed.isEmpty()) problems.add(key + " must not be empty");
    return trimmed;
  }

  /**
   * Text that must match {@code pattern} (described as {@code what} in the problem line) or be
   * empty when not {@code required}. Otherwise a problem, and the empty string.
   */
  public String matching(
      String key, Supplier<String> setting, Pattern pattern, String what, boolean required) {
    String value = text(key, setting, required);
    if (value.isEmpty() || pattern.matcher(value).matches()) return value;
    problems.add(key + " must be " + what + ", was " + quoted(value));
    return "";
  }

  /** {@code max.age.ms}: how old a served reading may be, 0..{@value #MAX_AGE_MS_MAX}. */
  public Duration maxAge(LongSupplier setting) {
    return Duration.ofMillis(longIn("max.age.ms", setting, 0, MAX_AGE_MS_MAX));
  }

  /**
   * {@code read.timeout.ms}: how long a read may wait for the device, 1..{@value
   * #READ_TIMEOUT_MS_MAX}.
   */
  public Duration readTimeout(LongSupplier setting) {
    return Duration.ofMillis(longIn("read.timeout.ms", setting, 1, READ_TIMEOUT_MS_MAX));
  }

  /** {@code publish.interval.ms}: telemetry downsampling, 0..{@value #PUBLISH_INTERVAL_MS_MAX}. */
  public Duration publishInterval(LongSupplier setting) {
    return Duration.ofMillis(longIn("publish.interval.ms", setting, 0, PUBLISH_INTERVAL_MS_MAX));
  }

  /** A rule across settings (e.g. one of two must be given): {@code problem} unless it holds. */
  public void require(boolean holds, String problem) {
    if (!holds) problems.add(problem);
  }

  /** True when no check found a problem. */
  public boolean ok() {
    return problems.isEmpty();
  }

  /** Every problem, in the order found. */
  public List<String> problems() {
    return List.copyOf(problems);
  }

  /** The problems as one line, {@code "; "} between them; empty when there are none. */
  public String reason() {
    return String.join("; ", problems);
  }

  /** "a, b or c". */
  private static String choices(List<String> options) {
    if (options.size() == 1) return options.get(0);
    return String.join(", ", options.subList(0, options.size() - 1))
        + " or "
        + options.get(options.size() - 1);
  }

  private static String read(Supplier<String> setting) {
    try {
      return setting.get();
    } catch (RuntimeException unconvertible) {
      return null;
    }
  }

  /** The raw configured value of {@code key}, as a problem line shows it. */
  private String shown(String key) {
    String raw = raw(key);
    return raw == null ? "not a number" : raw;
  }

  private String raw(String key) {
    Object value = properties.get(key);
    if (value == null) return null;
    String text;
    if (value.getClass().isArray()) {
      int length = java.lang.reflect.Array.getLength(value);
      List<String> items = new ArrayList<>();
      for (int i = 0; i < length; i++)
        items.add(String.valueOf(java.lang.reflect.Array.get(value, i)));
      text = String.join(",", items);
    } else if (value instanceof Collection<?> items) {
      text = items.stream().map(String::valueOf).collect(Collectors.joining(","));
    } else {
      text = value.toString();
    }
    return printable(text);
  }

  private static String quoted(String value) {
    return value == null ? "nothing" : "\"" + printable(value) + "\"";
  }

  /** Bounded and on one line: a problem line is one line whatever the value. */
  private static String printable(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length() && out.length() < MAX_SHOWN; i++) {
      char c = text.charAt(i);
      out.append(Character.isISOControl(c) ? String.format(Locale.ROOT, "\\u%04x", (int) c) : c);
    }
    if (out.length() >= MAX_SHOWN && text.length() > MAX_SHOWN) out.append("...");
    return out.toString();
  }

  /** 16 rather than 16.0; NaN and infinities as Java writes them. */
  static String number(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) return Long.toString((long) value);
    return Double.toString(value);
  }
}
