package io.sensorgw.vision;

/**
 * OpenCV's native library for this platform (x86_64, ARMv7, ARMv8), from the OpenPnP bundle. Call
 * {@link #load()} before the first OpenCV call: the first call loads it (about half a second, so it
 * is done on first use, not while the gateway starts), later calls cost nothing. The library binds
 * to the OpenPnP bundle's class loader, which every user of {@code org.opencv} shares.
 */
public final class OpenCv {
  private OpenCv() {}

  public static void load() {
    Holder.LOADED.hashCode(); // class initialisation runs once, thread-safely
  }

  private static final class Holder {
    static final Object LOADED = loadLocally();

    private static Object loadLocally() {
      nu.pattern.OpenCV.loadLocally();
      return org.opencv.core.Core.VERSION;
    }
  }
}
