import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Copies jars leaving out the native libraries of every other OS and CPU than one Debian
 * architecture's (OpenCV carries Windows, macOS and three Linux builds, 280 MB unpacked; jSerialComm
 * twenty-eight). Jars inside a jar (the executable jar's bundles) are treated the same way. Every
 * other entry is copied as it is, with its time, so the packages of the three architectures differ
 * only in their natives.
 *
 *   java StripNatives.java ARCH OUT_DIR JAR...     ARCH: amd64, arm64 or armhf
 */
public final class StripNatives {
  /** Folders of Linux natives each architecture runs, as the libraries name them. */
  private static final Map<String, Pattern> KEEP = Map.of(
      "amd64", Pattern.compile("(^|/)linux/(x86_64|amd64|x86-64)/"),
      "arm64", Pattern.compile("(^|/)linux/(armv8|armv8_64|aarch64|arm64)/"),
      // Raspberry Pi OS armhf also runs on ARMv6 boards (Zero, 1); jSerialComm picks among these.
      "armhf", Pattern.compile("(^|/)linux/(armv7|armv7hf|armv6hf|armv5|armv8_32|armhf|arm)/"));
  private static final Pattern NATIVE = Pattern.compile(".*\\.(so|dll|dylib|jnilib)$");

  public static void main(String[] args) throws IOException {
    Pattern keep = KEEP.get(args[0]);
    if (keep == null) throw new IllegalArgumentException("architecture " + args[0] + " is not one of " + KEEP.keySet());
    Path out = Path.of(args[1]);
    Files.createDirectories(out);
    for (int i = 2; i < args.length; i++) {
      Path jar = Path.of(args[i]);
      try (InputStream in = Files.newInputStream(jar); OutputStream target = Files.newOutputStream(out.resolve(jar.getFileName()))) {
        copy(in, target, keep);
      }
    }
  }

  private static void copy(InputStream jar, OutputStream target, Pattern keep) throws IOException {
    ZipInputStream in = new ZipInputStream(jar);
    ZipOutputStream out = new ZipOutputStream(target);
    for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
      String name = entry.getName();
      String lower = name.toLowerCase(Locale.ROOT);
      if (NATIVE.matcher(lower).matches() && !keep.matcher(lower).find()) continue;
      ZipEntry copy = new ZipEntry(name);
      copy.setTime(entry.getTime());
      if (entry.getComment() != null) copy.setComment(entry.getComment());
      if (entry.getExtra() != null) copy.setExtra(entry.getExtra());
      out.putNextEntry(copy);
      if (lower.endsWith(".jar")) {
        ByteArrayOutputStream nested = new ByteArrayOutputStream();
        copy(new ByteArrayInputStream(in.readAllBytes()), nested, keep);
        nested.writeTo(out);
      } else {
        in.transferTo(out);
      }
      out.closeEntry();
    }
    out.finish();
  }
}
