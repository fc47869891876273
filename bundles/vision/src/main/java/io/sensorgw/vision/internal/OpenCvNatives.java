package io.sensorgw.vision.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads OpenCV's native library for this platform (x86_64, ARMv7, ARMv8) from the OpenPnP
 * bundle, once per JVM: the library binds to that bundle's class loader, which every user of
 * {@code org.opencv} shares.
 */
final class OpenCvNatives {
  private static final Logger LOG = LoggerFactory.getLogger(OpenCvNatives.class);

  private OpenCvNatives() {}

  static void load() {
    // nu.pattern.OpenCV remembers what it loaded, so repeated calls cost nothing.
    long start = System.nanoTime();
    nu.pattern.OpenCV.loadLocally();
    LOG.debug("OpenCV {} ready in {} ms", org.opencv.core.Core.VERSION, (System.nanoTime() - start) / 1_000_000);
  }
}
