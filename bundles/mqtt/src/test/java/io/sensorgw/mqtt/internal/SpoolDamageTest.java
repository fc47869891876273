package io.sensorgw.mqtt.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool against damaged files, failed writes and strangers in its folder. */
class SpoolDamageTest {
  @TempDir Path dir;

  private static final Path SEGMENT = Path.of("000000000001.seg");

  private Spool open() throws IOException {
    return new Spool(dir, 1 << 20, Duration.ofDays(1), Clock.systemUTC());
  }

  private static String payload(int i) {
    return "{\"sensor\":\"tfluna-1\",\"sequence\":"
        + i
        + ",\"values\":{\"distance\":{\"value\":"
        + (100 + i)
        + ",\"unit\":\"cm\"}}}";
  }

  private static List<String> drain(Spool spool) throws Exception {
    List<String> payloads = new ArrayList<>();
    Spool.Position from = spool.committed();
    for (Spool.Message m; (m = spool.next(from, Duration.ZERO)) != null; from = m.next()) {
      payloads.add(new String(m.payload(), StandardCharsets.UTF_8));
    }
    return payloads;
  }

  private static long figure(Spool spool, String name) {
    return spool.figures().get(name).longValue();
  }

  /** 70 messages in one segment; returns where each record starts and ends. */
  private List<long[]> seventy() throws Exception {
    List<long[]> records = new ArrayList<>();
    try (Spool spool = open()) {
      for (int i = 0; i < 70; i++)
        spool.append("sensorgw/gw/tfluna-1/reading", bytes(payload(i)), 1, true);
      Spool.Position from = spool.committed();
      for (Spool.Message m; (m = spool.next(from, Duration.ZERO)) != null; from = m.next()) {
        assertEquals(1, m.at().segment(), "one segment");
        records.add(new long[] {m.at().offset(), m.next().offset()});
      }
    }
    assertEquals(70, records.size());
    return records;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void flip(long offset) throws IOException {
    byte[] file = Files.readAllBytes(dir.resolve(SEGMENT));
    file[(int) offset] ^= 0x10;
    Files.write(dir.resolve(SEGMENT), file);
  }

  private static List<String> allBut(int lost) {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 70; i++) if (i != lost) expected.add(payload(i));
    return expected;
  }

  @Test
  void oneFlippedByteInTheMiddleLosesExactlyTheDamagedRecord() throws Exception {
    List<long[]> records = seventy();
    long[] damaged = records.get(35);
    flip((damaged[0] + damaged[1]) / 2);
    try (Spool reopened = open()) {
      assertEquals(69, reopened.pending());
      assertEquals(allBut(35), drain(reopened), "every record after the damage is kept");
      assertEquals(1, figure(reopened, "spoolCorrupt"));
      assertEquals(
          damaged[1] - damaged[0],
          figure(reopened, "spoolCorruptBytes"),
          "exactly the damaged record skipped");
      reopened.append("sensorgw/gw/tfluna-1/reading", bytes("after"), 1, false);
      List<String> all = drain(reopened);
      assertEquals("after", all.get(all.size() - 1), "appending goes on behind the damage");
    }
  }

  @Test
  void aFlipAnywhereInARecordHeaderOrBodyLosesOnlyThatRecord() throws Exception {
    List<long[]> records = seventy();
    byte[] pristine = Files.readAllBytes(dir.resolve(SEGMENT));
    long[] damaged = records.get(20);
    for (long at = damaged[0]; at < damaged[1]; at++) {
      Files.write(dir.resolve(SEGMENT), pristine);
      Files.deleteIfExists(dir.resolve("committed"));
      flip(at);
      try (Spool reopened = open()) {
        assertEquals(
            allBut(20), drain(reopened), "byte " + (at - damaged[0]) + " of the record flipped");
        assertEquals(1, figure(reopened, "spoolCorrupt"));
      }
    }
  }

  @Test
  void damageInWhatWasAlreadySentIsSkippedButNotReportedAgain() throws Exception {
    List<long[]> records = seventy();
    try (Spool spool = open()) {
      spool.commit(new Spool.Position(1, records.get(40)[0]), 40); // 0..39 acknowledged
    }
    flip(records.get(10)[0] + 15);
    try (Spool reopened = open()) {
      assertEquals(30, reopened.pending());
      assertEquals(0, figure(reopened, "spoolCorrupt"), "nothing unsent was lost");
      assertEquals(allBut(-1).subList(40, 70), drain(reopened));
    }
  }

  @Test
  void damageFoundWhileRunningIsSkippedCountedAndThePendingCountFollows() throws Exception {
    try (Spool spool = open()) {
      for (int i = 0; i < 70; i++) spool.append("t/a", bytes(payload(i)), 1, false);
      List<long[]> records = new ArrayList<>();
      Spool.Position from = spool.committed();
      for (Spool.Message m; (m = spool.next(from, Duration.ZERO)) != null; from = m.next()) {
        records.add(new long[] {m.at().offset(), m.next().offset()});
      }
      flip(records.get(50)[0] + 20); // bit rot under a running gateway
      assertEquals(allBut(50), drain(spool));
      assertEquals(1, figure(spool, "spoolCorrupt"));
      assertEquals(69, spool.pending());
      assertEquals(allBut(50), drain(spool), "read again: skipped again, counted once");
      assertEquals(1, figure(spool, "spoolCorrupt"));
    }
  }

  @Test
  void aTornTailIsCutAndCountedAndAppendsContinueBehindIt() throws Exception {
    try (Spool spool = open()) {
      for (int i = 0; i < 10; i++) spool.append("t", bytes("m" + i), 1, false);
    }
    long intact = Files.size(dir.resolve(SEGMENT));
    byte[] next = record(bytes("t"), 1, bytes("never finished"), 1, 0);
    Files.write(
        dir.resolve(SEGMENT),
        java.util.Arrays.copyOf(next, next.length - 4),
        StandardOpenOption.APPEND);
    try (Spool reopened = open()) {
      assertEquals(intact, Files.size(dir.resolve(SEGMENT)), "cut back to the last intact record");
      assertEquals(1, figure(reopened, "spoolTornTails"));
      assertEquals(0, figure(reopened, "spoolCorrupt"));
      assertEquals(10, reopened.pending());
      reopened.append("t", bytes("after"), 1, false);
      List<String> all = drain(reopened);
      assertEquals(11, all.size());
      assertEquals("after", all.get(10));
    }
  }

  @Test
  void aRecordWhoseTopicLengthRunsPastItsBodyIsDamageNotAnException() throws Exception {
    byte[] liar =
        record(bytes("t"), 0xFFFF, bytes("x"), 1, 0); // a valid CRC over an impossible layout
    byte[] good = record(bytes("t/ok"), 4, bytes("kept"), 1, 0);
    Files.write(
        dir.resolve(SEGMENT), concat(record(bytes("t/ok"), 4, bytes("first"), 1, 0), liar, good));
    try (Spool spool = open()) {
      assertEquals(List.of("first", "kept"), drain(spool));
      assertEquals(1, figure(spool, "spoolCorrupt"));
      assertEquals(2, spool.pending());
    }
  }

  @Test
  void hugeLengthFieldsAreDamageAndAllocateNothing() throws Exception {
    ByteBuffer huge = ByteBuffer.allocate(12).putInt(Integer.MAX_VALUE).putLong(0);
    ByteBuffer pastTheEnd = ByteBuffer.allocate(12).putInt(Spool.MAX_BODY - 1).putLong(0);
    ByteBuffer negative = ByteBuffer.allocate(12).putInt(-7).putLong(0);
    Files.write(
        dir.resolve(SEGMENT),
        concat(
            huge.array(),
            record(bytes("t"), 1, bytes("one"), 0, 0),
            pastTheEnd.array(),
            negative.array(),
            record(bytes("t"), 1, bytes("two"), 0, 0)));
    AtomicLong largestRead = new AtomicLong();
    Spool.Channels watching =
        (file, options) ->
            new WatchedChannel(FileChannel.open(file, options)) {
              @Override
              public int read(ByteBuffer dst, long position) throws IOException {
                largestRead.accumulateAndGet(dst.remaining(), Math::max);
                return super.read(dst, position);
              }
            };
    try (Spool spool =
        new Spool(dir, 1 << 20, 64 * 1024, Duration.ofDays(1), Clock.systemUTC(), watching)) {
      assertEquals(List.of("one", "two"), drain(spool));
      assertEquals(2, figure(spool, "spoolCorrupt"), "two damaged stretches");
    }
    assertTrue(
        largestRead.get() <= 64 * 1024,
        "no read (and no buffer) past the resync window: " + largestRead.get());
  }

  @Test
  void strayFilesInTheFolderAreIgnoredAndLeftAlone() throws Exception {
    try (Spool spool = open()) {
      spool.append("t", bytes("mine"), 1, false);
    }
    Files.writeString(dir.resolve("foo.seg"), "not ours");
    Files.writeString(dir.resolve("12a.seg"), "not ours either");
    Files.createDirectories(dir.resolve("000000000007.seg"));
    try (Spool reopened = open()) {
      assertEquals(List.of("mine"), drain(reopened));
      assertEquals(
          3,
          figure(reopened, "spoolStrayFiles"),
          "foo.seg, 12a.seg and a folder named like a segment");
    }
    assertTrue(Files.exists(dir.resolve("foo.seg")), "not deleted: it is not the spool's");
  }

  @Test
  void anAppendThatFailsPartWayIsRolledBackAndTheNextOneAfterSpaceReturnsSucceeds()
      throws Exception {
    AtomicBoolean full = new AtomicBoolean();
    AtomicBoolean truncateFails = new AtomicBoolean();
    Spool.Channels disk =
        (file, options) ->
            new DiskFullChannel(FileChannel.open(file, options), full, truncateFails);
    try (Spool spool =
        new Spool(dir, 1 << 20, 64 * 1024, Duration.ofDays(1), Clock.systemUTC(), disk)) {
      spool.append("t", bytes("before"), 1, false);
      long end = Files.size(dir.resolve(SEGMENT));
      full.set(true);
      IOException e =
          assertThrows(
              IOException.class, () -> spool.append("t", bytes("lost to a full disk"), 1, false));
      assertTrue(e.getMessage().contains("No space left"), e.toString());
      assertEquals(end, Files.size(dir.resolve(SEGMENT)), "the partial record was cut");
      assertEquals(1, figure(spool, "spoolAppendFailures"));
      assertEquals(List.of("before"), drain(spool), "the reader sees no garbage");

      truncateFails.set(true); // even the roll back fails: the next append overwrites the rest
      assertThrows(IOException.class, () -> spool.append("t", bytes("lost again"), 1, false));
      assertTrue(Files.size(dir.resolve(SEGMENT)) > end, "garbage left behind");
      assertEquals(List.of("before"), drain(spool));

      full.set(false); // space is back
      spool.append("t", bytes("after"), 1, false);
      assertEquals(List.of("before", "after"), drain(spool));
      assertEquals(2, spool.pending());
    }
    try (Spool reopened = open()) {
      assertEquals(List.of("before", "after"), drain(reopened));
      assertEquals(0, figure(reopened, "spoolCorrupt"));
      assertEquals(0, figure(reopened, "spoolTornTails"));
    }
  }

  @Test
  void anInterruptedCallerNeitherBreaksTheSpoolNorLosesItsInterrupt() throws Exception {
    try (Spool spool = open()) {
      Thread.currentThread().interrupt(); // as the fan-out does to a listener thread it stops
      spool.append("t", bytes("while interrupted"), 1, false);
      assertTrue(Thread.interrupted(), "the interrupt is given back (and cleared here)");
      spool.append("t", bytes("after"), 1, false);
      assertEquals(List.of("while interrupted", "after"), drain(spool));
      assertEquals(0, figure(spool, "spoolAppendFailures"));
    }
  }

  @Test
  void closingCutsWhatAFailedWriteLeftBehind() throws Exception {
    AtomicBoolean full = new AtomicBoolean();
    AtomicBoolean truncateFails = new AtomicBoolean(true);
    Spool.Channels disk =
        (file, options) ->
            new DiskFullChannel(FileChannel.open(file, options), full, truncateFails);
    try (Spool spool =
        new Spool(dir, 1 << 20, 64 * 1024, Duration.ofDays(1), Clock.systemUTC(), disk)) {
      spool.append("t", bytes("kept"), 1, false);
      full.set(true);
      assertThrows(IOException.class, () -> spool.append("t", bytes("half written"), 1, false));
      truncateFails.set(false); // the disk recovers before the stop
    }
    try (Spool reopened = open()) {
      assertEquals(List.of("kept"), drain(reopened));
      assertEquals(0, figure(reopened, "spoolTornTails"), "nothing to cut: the close did");
    }
  }

  @Test
  void aMessageThatCanNeverBePublishedIsRefusedNotSpooled() throws Exception {
    try (Spool spool = open()) {
      assertThrows(
          IllegalArgumentException.class,
          () -> spool.append("ha/#/sensor/x/config", bytes("{}"), 1, true));
      assertThrows(
          IllegalArgumentException.class, () -> spool.append("a/+/b", bytes("{}"), 1, true));
      assertThrows(IllegalArgumentException.class, () -> spool.append("", bytes("{}"), 1, true));
      assertThrows(
          IllegalArgumentException.class,
          () -> spool.append("t", new byte[Spool.MAX_PAYLOAD + 1], 1, true));
      assertThrows(IllegalArgumentException.class, () -> spool.append("t", bytes("{}"), 3, true));
      assertEquals(0, spool.pending());
      assertEquals(0, Files.size(dir.resolve(SEGMENT)));
    }
  }

  // --- Records as the spool writes them: [length][crc32][millis][qos][retain][topic
  // length][topic][payload] ---

  static byte[] record(byte[] topic, int topicLengthField, byte[] payload, int qos, int retain) {
    ByteBuffer body = ByteBuffer.allocate(12 + topic.length + payload.length);
    body.putLong(1_800_000_000_000L)
        .put((byte) qos)
        .put((byte) retain)
        .putShort((short) topicLengthField)
        .put(topic)
        .put(payload)
        .flip();
    CRC32 crc = new CRC32();
    crc.update(body.duplicate());
    return ByteBuffer.allocate(12 + body.remaining())
        .putInt(body.remaining())
        .putLong(crc.getValue())
        .put(body)
        .array();
  }

  static byte[] concat(byte[]... parts) {
    ByteBuffer all =
        ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
    for (byte[] part : parts) all.put(part);
    return all.array();
  }

  /** A file channel that passes everything through; tests override what they watch. */
  static class WatchedChannel extends FileChannel {
    final FileChannel delegate;

    WatchedChannel(FileChannel delegate) {
      this.delegate = delegate;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return delegate.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return delegate.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      return delegate.write(srcs, offset, length);
    }

    @Override
    public long position() throws IOException {
      return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      delegate.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      delegate.truncate(size);
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      delegate.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count)
        throws IOException {
      return delegate.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return delegate.write(src, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      delegate.close();
    }
  }

  /** A disk that fills up: a write gets a few bytes out, then fails as Linux does (ENOSPC). */
  static final class DiskFullChannel extends WatchedChannel {
    private final AtomicBoolean full;
    private final AtomicBoolean truncateFails;

    DiskFullChannel(FileChannel delegate, AtomicBoolean full, AtomicBoolean truncateFails) {
      super(delegate);
      this.full = full;
      this.truncateFails = truncateFails;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      if (!full.get()) return super.write(srcs, offset, length);
      ByteBuffer first = srcs[offset];
      ByteBuffer part = first.duplicate();
      part.limit(part.position() + Math.min(7, part.remaining()));
      first.position(first.position() + delegate.write(part));
      throw new IOException("No space left on device");
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      if (truncateFails.get()) throw new IOException("No space left on device");
      return super.truncate(size);
    }
  }
}
