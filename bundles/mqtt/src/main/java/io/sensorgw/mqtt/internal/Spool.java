package io.sensorgw.mqtt.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The telemetry spool: every message to publish is appended here first, and the sender reads it
 * back in order. A message leaves only when the broker acknowledged it (commit), so a broker
 * outage, a network cut or a gateway restart loses nothing while the spool has room.
 *
 * <p>On disk: numbered segment files of records {@code [length][crc32][millis][qos][retain]
 * [topic][payload]} and a {@code committed} file with the position up to which everything was
 * acknowledged. Bounded by size and age: the oldest segment goes first, and its unsent messages
 * are counted as dropped. A torn last record (power cut mid-write) is detected by its CRC and cut.
 */
final class Spool implements AutoCloseable {
  /** Where the next read starts: a segment and a byte offset in it. */
  record Position(long segment, long offset) implements Comparable<Position> {
    @Override
    public int compareTo(Position other) {
      int bySegment = Long.compare(segment, other.segment);
      return bySegment != 0 ? bySegment : Long.compare(offset, other.offset);
    }
  }

  /** A message read back, with the position just after it (what committing it means). */
  record Message(String topic, byte[] payload, int qos, boolean retain, long millis, Position next) {}

  private static final int HEADER = 4 + 8; // length, crc
  private static final String SUFFIX = ".seg";

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final Duration maxAge;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition appended = lock.newCondition();
  /** Segment number -> its facts; guarded by lock. */
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private FileChannel writer; // the last segment's; guarded by lock
  private FileChannel reader; // the sender's current segment; guarded by lock
  private long readerSegment = -1; // guarded by lock
  private Position committed; // guarded by lock
  private long pending; // messages appended and not committed; guarded by lock
  private long droppedFull;
  private long droppedOld;
  private long appendedTotal;
  private boolean dirty; // committed changed since last persisted
  private boolean closed;

  private static final class Segment {
    final long number;
    long bytes;
    long messages; // in the whole segment
    long newestMillis;

    Segment(long number) {
      this.number = number;
    }
  }

  Spool(Path dir, long maxBytes, Duration maxAge, Clock clock) throws IOException {
    this(dir, maxBytes, Math.max(64 * 1024, Math.min(4 << 20, maxBytes / 16)), maxAge, clock);
  }

  Spool(Path dir, long maxBytes, long segmentBytes, Duration maxAge, Clock clock) throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    this.maxAge = maxAge;
    this.clock = clock;
    Files.createDirectories(dir);
    committed = readCommitted();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).toList()) {
        long number = Long.parseLong(file.getFileName().toString().replace(SUFFIX, ""));
        if (number < committed.segment()) {
          Files.delete(file); // fully sent before the last stop
        } else {
          segments.put(number, scan(file, number));
        }
      }
    }
    if (segments.isEmpty()) segments.put(Math.max(1, committed.segment()), new Segment(Math.max(1, committed.segment())));
    if (committed.segment() < segments.firstKey()) committed = new Position(segments.firstKey(), 0);
    Segment last = segments.lastEntry().getValue();
    writer = FileChannel.open(file(last.number), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    writer.position(last.bytes);
    pending = countFrom(committed);
  }

  /** Reads a segment's records to learn its size and count; cuts a torn tail. */
  private Segment scan(Path file, long number) throws IOException {
    Segment segment = new Segment(number);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long offset = 0;
      while (true) {
        Message message = readAt(channel, number, offset);
        if (message == null) break;
        segment.messages++;
        segment.newestMillis = message.millis();
        offset = message.next().offset();
      }
      if (channel.size() > offset) channel.truncate(offset); // a torn record from a crash
      segment.bytes = offset;
    }
    return segment;
  }

  private long countFrom(Position from) throws IOException {
    long count = 0;
    for (Segment segment : segments.values()) {
      if (segment.number > from.segment()) {
        count += segment.messages;
      } else if (segment.number == from.segment()) {
        try (FileChannel channel = FileChannel.open(file(segment.number), StandardOpenOption.READ)) {
          for (long offset = from.offset(); ; ) {
            Message message = readAt(channel, segment.number, offset);
            if (message == null) break;
            count++;
            offset = message.next().offset();
          }
        }
      }
    }
    return count;
  }

  /** Appends one message; never blocks on the network. Makes room by dropping the oldest. */
  void append(String topic, byte[] payload, int qos, boolean retain) throws IOException {
    byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(8 + 1 + 1 + 2 + topicBytes.length + payload.length);
    long now = clock.millis();
    body.putLong(now).put((byte) qos).put((byte) (retain ? 1 : 0))
        .putShort((short) topicBytes.length).put(topicBytes).put(payload).flip();
    CRC32 crc = new CRC32();
    crc.update(body.duplicate());
    ByteBuffer header = ByteBuffer.allocate(HEADER).putInt(body.remaining()).putLong(crc.getValue()).flip();
    lock.lock();
    try {
      if (closed) throw new IOException("spool closed");
      Segment last = segments.lastEntry().getValue();
      if (last.bytes > 0 && last.bytes + HEADER + body.remaining() > segmentBytes) last = roll();
      long size = HEADER + body.remaining();
      while (header.hasRemaining() || body.hasRemaining()) writer.write(new ByteBuffer[] {header, body});
      last.bytes += size;
      last.messages++;
      last.newestMillis = now;
      pending++;
      appendedTotal++;
      enforceLimits();
      appended.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private Segment roll() throws IOException { // holds lock
    writer.close();
    long number = segments.lastKey() + 1;
    Segment next = new Segment(number);
    segments.put(number, next);
    writer = FileChannel.open(file(number), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
    return next;
  }

  /** Drops whole oldest segments while over the size bound or older than max age. */
  private void enforceLimits() throws IOException { // holds lock
    long total = segments.values().stream().mapToLong(s -> s.bytes).sum();
    long oldestAllowed = clock.millis() - maxAge.toMillis();
    while (segments.size() > 1) {
      Segment oldest = segments.firstEntry().getValue();
      boolean tooBig = total > maxBytes;
      boolean tooOld = oldest.newestMillis < oldestAllowed;
      if (!tooBig && !tooOld) break;
      long unsent = oldest.number == committed.segment() ? countUnsentIn(oldest) : oldest.messages;
      if (tooBig) droppedFull += unsent;
      else droppedOld += unsent;
      pending -= unsent;
      total -= oldest.bytes;
      segments.remove(oldest.number);
      if (readerSegment == oldest.number && reader != null) reader.close();
      Files.deleteIfExists(file(oldest.number));
      if (committed.segment() <= oldest.number) {
        committed = new Position(segments.firstKey(), 0);
        dirty = true;
      }
    }
  }

  private long countUnsentIn(Segment segment) throws IOException { // holds lock
    long count = 0;
    try (FileChannel channel = FileChannel.open(file(segment.number), StandardOpenOption.READ)) {
      for (long offset = committed.offset(); ; ) {
        Message message = readAt(channel, segment.number, offset);
        if (message == null) return count;
        count++;
        offset = message.next().offset();
      }
    }
  }

  /** The committed position: where a sender starts after (re)connecting. */
  Position committed() {
    lock.lock();
    try {
      return committed;
    } finally {
      lock.unlock();
    }
  }

  /**
   * The message at {@code from}, waiting up to {@code wait} for one to be appended; null if none
   * came. A position in a segment dropped meanwhile continues at the oldest message kept.
   */
  Message next(Position from, Duration wait) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    lock.lock();
    try {
      while (true) {
        if (closed) return null;
        Position at = from.segment() < segments.firstKey() ? new Position(segments.firstKey(), 0) : from;
        Segment segment = segments.get(at.segment());
        if (segment != null && at.offset() < segment.bytes) {
          return readAt(reader(at.segment()), at.segment(), at.offset());
        }
        Long later = segments.higherKey(at.segment());
        if (later != null && (segment == null || at.offset() >= segment.bytes)) {
          from = new Position(later, 0);
          continue;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) return null;
        appended.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private FileChannel reader(long segment) throws IOException { // holds lock
    if (segment != readerSegment || reader == null || !reader.isOpen()) {
      if (reader != null) reader.close();
      reader = FileChannel.open(file(segment), StandardOpenOption.READ);
      readerSegment = segment;
    }
    return reader;
  }

  /** Everything before {@code upTo} was acknowledged: it may go. */
  void commit(Position upTo, long messages) {
    lock.lock();
    try {
      if (upTo.compareTo(committed) <= 0) return;
      committed = upTo;
      pending = Math.max(0, pending - messages);
      dirty = true;
      // Segments wholly before the committed one are done.
      while (segments.size() > 1 && segments.firstKey() < committed.segment()) {
        long done = segments.pollFirstEntry().getKey();
        try {
          if (readerSegment == done && reader != null) reader.close();
          Files.deleteIfExists(file(done));
        } catch (IOException e) {
          // removed at the next start
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Writes the committed position and forces appended data to disk; called about once a second. */
  void sync() throws IOException {
    Position toWrite;
    lock.lock();
    try {
      if (closed) return;
      writer.force(false);
      if (!dirty) return;
      toWrite = committed;
      dirty = false;
    } finally {
      lock.unlock();
    }
    Path tmp = dir.resolve("committed.tmp");
    Files.writeString(tmp, toWrite.segment() + " " + toWrite.offset() + "\n");
    try {
      Files.move(tmp, dir.resolve("committed"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir.resolve("committed"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private Position readCommitted() throws IOException {
    Path file = dir.resolve("committed");
    if (!Files.exists(file)) return new Position(1, 0);
    String[] parts = Files.readString(file).trim().split(" ");
    try {
      return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    } catch (RuntimeException e) {
      return new Position(1, 0); // unreadable: resend everything kept (duplicates, not loss)
    }
  }

  /** A record at {@code offset}, or null at the end or at a torn or corrupt record. */
  private static Message readAt(FileChannel channel, long segment, long offset) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    if (channel.read(header, offset) < HEADER) return null;
    header.flip();
    int length = header.getInt();
    long crc = header.getLong();
    if (length < 12 || length > 64 << 20) return null;
    ByteBuffer body = ByteBuffer.allocate(length);
    long at = offset + HEADER;
    while (body.hasRemaining()) {
      int read = channel.read(body, at + body.position());
      if (read < 0) return null;
    }
    body.flip();
    CRC32 check = new CRC32();
    check.update(body.duplicate());
    if (check.getValue() != crc) return null;
    long millis = body.getLong();
    int qos = body.get();
    boolean retain = body.get() == 1;
    byte[] topic = new byte[body.getShort() & 0xFFFF];
    body.get(topic);
    byte[] payload = new byte[body.remaining()];
    body.get(payload);
    return new Message(new String(topic, StandardCharsets.UTF_8), payload, qos, retain, millis,
        new Position(segment, offset + HEADER + length));
  }

  private Path file(long number) {
    return dir.resolve(String.format("%012d%s", number, SUFFIX));
  }

  /** Figures for /metrics. */
  Map<String, Number> figures() {
    lock.lock();
    try {
      Map<String, Number> figures = new TreeMap<>();
      figures.put("spoolPending", pending);
      figures.put("spoolBytes", segments.values().stream().mapToLong(s -> s.bytes).sum());
      figures.put("spoolSegments", segments.size());
      figures.put("spoolAppended", appendedTotal);
      figures.put("spoolDroppedFull", droppedFull);
      figures.put("spoolDroppedOld", droppedOld);
      return figures;
    } finally {
      lock.unlock();
    }
  }

  long pending() {
    lock.lock();
    try {
      return pending;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (closed) return;
      closed = true;
      appended.signalAll();
    } finally {
      lock.unlock();
    }
    closedSync();
  }

  private void closedSync() throws IOException {
    Position toWrite;
    lock.lock();
    try {
      writer.force(false);
      writer.close();
      if (reader != null) reader.close();
      toWrite = committed;
    } finally {
      lock.unlock();
    }
    Files.writeString(dir.resolve("committed"), toWrite.segment() + " " + toWrite.offset() + "\n");
  }
}
