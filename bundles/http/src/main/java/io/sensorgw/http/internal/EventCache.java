package io.sensorgw.http.internal;

import io.sensorgw.api.Reading;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * Every stream client gets the same reading objects: format each one once, not once per client. A
 * ring per sensor remembers the last {@code SLOTS} readings by sequence; a slot whose reading is
 * not this very object (overwritten, or never formatted) is formatted again. One ring per sensor id
 * seen: a few kilobytes each.
 */
final class EventCache {
  private static final int SLOTS = 256;

  private record Entry(Reading reading, String text) {}

  private final Map<String, AtomicReferenceArray<Entry>> rings = new ConcurrentHashMap<>();
  private final Function<Reading, String> format;

  EventCache(Function<Reading, String> format) {
    this.format = format;
  }

  String text(Reading reading) {
    AtomicReferenceArray<Entry> ring =
        rings.computeIfAbsent(reading.sensorId(), id -> new AtomicReferenceArray<>(SLOTS));
    int slot = (int) Math.floorMod(reading.sequence(), (long) SLOTS);
    Entry entry = ring.get(slot);
    if (entry != null && entry.reading() == reading) return entry.text();
    String text = format.apply(reading);
    ring.set(slot, new Entry(reading, text));
    return text;
  }
}
