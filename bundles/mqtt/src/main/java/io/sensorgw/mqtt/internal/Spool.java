package io.sensorgw.mqtt.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The telemetry spool: every message to publish is appended here first, and the sender reads it
 * back in order. A message leaves only when the broker acknowledged it (commit), so a broker
 * outage, a network cut or a gateway restart loses nothing while the spool has room.
 *
 * <p>On disk: numbered segment files of records {@code [length][crc32][millis][qos][retain] [topic
 * length][topic][payload]} and a {@code committed} file with the position up to which everything
 * was acknowledged. Bounded by size and age: the oldest segment goes first, and its unsent messages
 * are counted as dropped.
 *
 * <p>Damage costs only what it touched: a record that fails its checks (length, CRC, layout) is
 * skipped by resynchronising on the next intact record, which is kept with everything after it; the
 * skipped stretch is counted ({@code spoolCorrupt}) and logged once with its file and offset. An
 * unfinished record at the end of the newest segment (a crash or a full disk mid-write) is cut. An
 * append that fails part-way is rolled back to the previous end, so a full disk leaves no garbage
 * for the reader and the next append after space returns simply succeeds.
 */
final class Spool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

  /** Where the next read starts: a segment and a byte offset in it. */
  record Position(long segment, long offset) implements Comparable<Position> {
    @Override
    public int compareTo(Position other) {
      int bySegment = Long.compare(segment, other.segment);
      return bySegment != 0 ? bySegment : Long.compare(offset, other.offset);
    }
  }

  /** A message read back, where it is and the position just after it (what committing it means). */
  record Message(
      String topic,
      byte[] payload,
      int qos,
      boolean retain,
      long millis,
      Position at,
      Position next) {}

  /** Opens the spool's files; tests pass one whose channels fail like a full disk. */
  interface Channels {
    FileChannel open(Path file, OpenOption... options) throws IOException;
  }

  private static final int HEADER = 4 + 8; // length, crc
  private static final int FIXED = 8 + 1 + 1 + 2; // millis, qos, retain, topic length

  /** A reading's JSON is a few hundred bytes; the bound keeps a damaged length from allocating. */
  static final int MAX_PAYLOAD = 4 << 20;

  static final int MAX_BODY = FIXED + Topics.MAX_TOPIC_BYTES + MAX_PAYLOAD;
  private static final int RESYNC_WINDOW = 64 * 1024;
  private static final String SUFFIX = ".seg";
  private static final Pattern SEGMENT_NAME = Pattern.compile("\\d{1,18}\\.seg");

  private final Path dir;
  private final long maxBytes;
  private final long segmentBytes;
  private final Duration maxAge;
  private final Clock clock;
  private final Channels channels;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition appended = lock.newCondition();

  /** Segment number -> its facts; guarded by lock. */
  private final TreeMap<Long, Segment> segments = new TreeMap<>();

  private FileChannel writer; // the last segment's; guarded by lock
  private FileChannel reader; // the sender's current segment; guarded by lock
  private long readerSegment = -1; // guarded by lock
  // Written under lock; volatile so that health and metrics read them without waiting on a write.
  private volatile Position committed;
  private volatile long pending; // messages appended and not committed
  // Counters, guarded by lock.
  private long droppedFull;
  private long droppedOld;
  private long appendedTotal;
  private long corrupt;
  private long corruptBytes;
  private long tornTails;
  private long strayFiles;
  private long appendFailures;
  private boolean recount; // damage found while reading: the counts are off
  private boolean dirty; // committed changed since last persisted
  private boolean closed;

  private static final class Segment {
    final long number;
    long bytes; // the end of the last intact record: nothing past it is read
    long messages; // intact records in the whole segment
    long newestMillis;

    /** Damaged stretches, start -> end: skipped by every read. */
    final TreeMap<Long, Long> holes = new TreeMap<>();

    Segment(long number) {
      this.number = number;
    }
  }

  Spool(Path dir, long maxBytes, Duration maxAge, Clock clock) throws IOException {
    this(dir, maxBytes, Math.max(64 * 1024, Math.min(4 << 20, maxBytes / 16)), maxAge, clock);
  }

  Spool(Path dir, long maxBytes, long segmentBytes, Duration maxAge, Clock clock)
      throws IOException {
    this(dir, maxBytes, segmentBytes, maxAge, clock, FileChannel::open);
  }

  Spool(Path dir, long maxBytes, long segmentBytes, Duration maxAge, Clock clock, Channels channels)
      throws IOException {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    this.maxAge = maxAge;
    this.clock = clock;
    this.channels = channels;
    Files.createDirectories(dir);
    committed = readCommitted();
    TreeMap<Long, Path> found = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).toList()) {
        if (!SEGMENT_NAME.matcher(file.getFileName().toString()).matches()
            || !Files.isRegularFile(file)) {
          strayFiles++; // someone else's file: not ours to read or delete
          LOG.warn(
              "MQTT spool: ignoring {}: not a spool segment (those are named like 000000000001.seg)",
              file);
          continue;
        }
        found.put(Long.parseLong(file.getFileName().toString().replace(SUFFIX, "")), file);
      }
    }
    for (Map.Entry<Long, Path> entry : found.entrySet()) {
      if (entry.getKey() < committed.segment()) {
        Files.delete(entry.getValue()); // fully sent before the last stop
      } else {
        long sent = entry.getKey() == committed.segment() ? committed.offset() : 0;
        segments.put(
            entry.getKey(),
            scan(entry.getValue(), entry.getKey(), entry.getKey().equals(found.lastKey()), sent));
      }
    }
    if (segments.isEmpty())
      segments.put(Math.max(1, committed.segment()), new Segment(Math.max(1, committed.segment())));
    if (committed.segment() < segments.firstKey()) committed = new Position(segments.firstKey(), 0);
    Segment first = segments.get(committed.segment());
    if (first != null && committed.offset() > first.bytes) {
      committed = new Position(first.number, first.bytes); // what was past it was cut as damaged
      dirty = true;
    }
    Segment last = segments.lastEntry().getValue();
    writer = channels.open(file(last.number), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    pending = countFrom(committed);
  }

  /**
   * Reads a segment's records to learn its size and count. Damage is skipped up to the next intact
   * record; an unfinished record at the end of the newest segment is cut. Damage wholly before
   * {@code sent} (acknowledged before the last stop) lost nothing and is not reported again.
   */
  private Segment scan(Path file, long number, boolean newest, long sent) throws IOException {
    Segment segment = new Segment(number);
    OpenOption[] mode =
        newest
            ? new OpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE}
            : new OpenOption[] {StandardOpenOption.READ};
    try (FileChannel channel = channels.open(file, mode)) {
      long size = channel.size();
      long offset = 0;
      while (offset < size) {
        Message message = readAt(channel, number, offset, size);
        if (message != null) {
          segment.messages++;
          segment.newestMillis = message.millis();
          offset = message.next().offset();
          continue;
        }
        long resume = resync(channel, offset + 1, size);
        if (resume < 0 && newest) {
          tornTails++;
          LOG.warn(
              "MQTT spool: cut {} bytes of an unfinished record at the end of {} (offset {}): a write that a "
                  + "crash or a full disk interrupted",
              size - offset,
              file,
              offset);
          channel.truncate(offset);
          size = offset;
          break;
        }
        long to = resume < 0 ? size : resume;
        if (to <= sent) {
          segment.holes.put(offset, to);
        } else {
          damaged(segment, offset, to, resume < 0);
        }
        offset = to;
      }
      segment.bytes = offset;
    }
    return segment;
  }

  /** Records and reports a damaged stretch; every later read skips it. */
  private void damaged(Segment segment, long from, long to, boolean toTheEnd) {
    segment.holes.put(from, to);
    corrupt++;
    corruptBytes += to - from;
    LOG.warn(
        "MQTT spool: damaged record in {} at offset {}: skipped {} bytes to {}",
        file(segment.number),
        from,
        to - from,
        toTheEnd ? "the end of the segment" : "the next intact record at offset " + to);
  }

  /**
   * The first intact record at or after {@code offset} and before the segment's end, skipping known
   * damage and recording new damage; null if there is none.
   */
  private Message intactAt(Segment segment, FileChannel channel, long offset)
      throws IOException { // holds lock
    while (offset < segment.bytes) {
      Map.Entry<Long, Long> hole = segment.holes.floorEntry(offset);
      if (hole != null && offset < hole.getValue()) {
        offset = hole.getValue();
        continue;
      }
      Message message = readAt(channel, segment.number, offset, segment.bytes);
      if (message != null) return message;
      long found = resync(channel, offset + 1, segment.bytes);
      long resume = found < 0 ? segment.bytes : found;
      damaged(segment, offset, resume, found < 0);
      recount = true;
      offset = resume;
    }
    return null;
  }

  /** Intact records in a segment from {@code offset} on. */
  private long count(Segment segment, long offset) throws IOException { // holds lock
    long count = 0;
    try (FileChannel channel = channels.open(file(segment.number), StandardOpenOption.READ)) {
      for (Message m = intactAt(segment, channel, offset);
          m != null;
          m = intactAt(segment, channel, m.next().offset())) {
        count++;
      }
    }
    return count;
  }

  private long countFrom(Position from) throws IOException { // holds lock (or constructing)
    long count = 0;
    for (Segment segment : segments.values()) {
      if (segment.number > from.segment()) {
        count += segment.messages;
      } else if (segment.number == from.segment()) {
        count += count(segment, from.offset());
      }
    }
    return count;
  }

  /** Damage found at run time: the segment's count and the pending count, read again. */
  private void recount(Segment segment) throws IOException { // holds lock
    recount = false;
    segment.messages = count(segment, 0);
    pending = countFrom(committed);
  }

  /**
   * Appends one message; never blocks on the network. Makes room by dropping the oldest.
   *
   * @throws IllegalArgumentException if the message can never be published (its topic breaks the
   *     rules of {@link Topics#topicProblem}, its payload is past {@link #MAX_PAYLOAD}, its QoS is
   *     not 0..2): it is refused here rather than poisoning the spool
   * @throws IOException if it could not be written (a full disk); nothing of it stays behind
   */
  void append(String topic, byte[] payload, int qos, boolean retain) throws IOException {
    String problem = Topics.topicProblem(topic);
    if (problem != null) throw new IllegalArgumentException("topic " + problem);
    if (payload.length > MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "payload of " + payload.length + " bytes (at most " + MAX_PAYLOAD + ")");
    }
    if (qos < 0 || qos > 2) throw new IllegalArgumentException("QoS " + qos + " (0, 1 or 2)");
    byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(FIXED + topicBytes.length + payload.length);
    long now = clock.millis();
    body.putLong(now)
        .put((byte) qos)
        .put((byte) (retain ? 1 : 0))
        .putShort((short) topicBytes.length)
        .put(topicBytes)
        .put(payload)
        .flip();
    CRC32 crc = new CRC32();
    crc.update(body.duplicate());
    ByteBuffer header =
        ByteBuffer.allocate(HEADER).putInt(body.remaining()).putLong(crc.getValue()).flip();
    long size = HEADER + body.remaining();
    // An interrupt pending on the caller (the fan-out interrupts its listener threads when it
    // stops them) would close the channel mid-write; it is restored once the write is done.
    boolean interrupted = Thread.interrupted();
    lock.lock();
    try {
      if (closed) throw new IOException("spool closed");
      Segment last = segments.lastEntry().getValue();
      if (last.bytes > 0 && last.bytes + size > segmentBytes) last = roll();
      long end = last.bytes;
      try {
        FileChannel channel = writer(last);
        channel.position(end); // always at the last intact record, whatever a failed write left
        while (header.hasRemaining() || body.hasRemaining())
          channel.write(new ByteBuffer[] {header, body});
      } catch (IOException e) {
        appendFailures++;
        rollBack(end, e);
        throw e;
      }
      last.bytes += size;
      last.messages++;
      last.newestMillis = now;
      pending++;
      appendedTotal++;
      enforceLimits();
      appended.signalAll();
    } finally {
      lock.unlock();
      if (interrupted) Thread.currentThread().interrupt();
    }
  }

  /**
   * Cuts what a failed write left past {@code end}; if even that fails, the next append overwrites
   * it.
   */
  private void rollBack(long end, IOException cause) { // holds lock
    try {
      if (writer.isOpen() && writer.size() > end) writer.truncate(end);
    } catch (IOException e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * The newest segment's channel, opened again if an interrupt of the appending thread closed it.
   */
  private FileChannel writer(Segment last) throws IOException { // holds lock
    if (!writer.isOpen())
      writer =
          channels.open(file(last.number), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    return writer;
  }

  private Segment roll() throws IOException { // holds lock
    long number = segments.lastKey() + 1;
    FileChannel next =
        channels.open(
            file(number),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
    try {
      writer.close();
    } catch (IOException e) {
      // its records are on disk already; sync forced them
    }
    writer = next;
    Segment segment = new Segment(number);
    segments.put(number, segment);
    return segment;
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
      long unsent =
          oldest.number == committed.segment()
              ? count(oldest, committed.offset())
              : oldest.messages;
      if (oldest.number < committed.segment()) unsent = 0;
      if (tooBig) droppedFull += unsent;
      else droppedOld += unsent;
      pending = Math.max(0, pending - unsent);
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

  /** The committed position: where a sender starts after (re)connecting. */
  Position committed() {
    return committed;
  }

  /**
   * The first intact message at or after {@code from}, waiting up to {@code wait} for one to be
   * appended; null if none came. A position in a segment dropped meanwhile continues at the oldest
   * message kept; damage on the way is skipped (and counted).
   */
  Message next(Position from, Duration wait) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    lock.lock();
    try {
      while (true) {
        if (closed) return null;
        Position at =
            from.segment() < segments.firstKey() ? new Position(segments.firstKey(), 0) : from;
        Segment segment = segments.get(at.segment());
        if (segment != null && at.offset() < segment.bytes) {
          Message message = intactAt(segment, reader(at.segment()), at.offset());
          if (recount) recount(segment);
          if (message != null) return message;
          from = new Position(segment.number, segment.bytes); // the rest of it was damaged
          continue;
        }
        Long later = segments.higherKey(at.segment());
        if (later != null) {
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
      reader = channels.open(file(segment), StandardOpenOption.READ);
      readerSegment = segment;
    }
    return reader;
  }

  /** Everything before {@code upTo} was acknowledged (or set aside): it may go. */
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
      writer(segments.lastEntry().getValue()).force(false);
      if (!dirty) return;
      toWrite = committed;
      dirty = false;
    } finally {
      lock.unlock();
    }
    try {
      writeCommitted(toWrite);
    } catch (IOException e) {
      lock.lock();
      try {
        dirty = true; // written at the next sync
      } finally {
        lock.unlock();
      }
      throw e;
    }
  }

  private void writeCommitted(Position position) throws IOException {
    Path tmp = dir.resolve("committed.tmp");
    Files.writeString(tmp, position.segment() + " " + position.offset() + "\n");
    try {
      Files.move(
          tmp,
          dir.resolve("committed"),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, dir.resolve("committed"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private Position readCommitted() throws IOException {
    Path file = dir.resolve("committed");
    if (!Files.exists(file)) return new Position(1, 0);
    if (Files.size(file) > 100) return new Position(1, 0); // not ours: resend everything kept
    String[] parts = Files.readString(file).trim().split(" ");
    try {
      Position position = new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
      return position.segment() >= 0 && position.offset() >= 0 ? position : new Position(1, 0);
    } catch (RuntimeException e) {
      return new Position(1, 0); // unreadable: resend everything kept (duplicates, not loss)
    }
  }

  /**
   * The record at {@code offset} if it is intact and ends by {@code end}, else null. Every length
   * is checked against its bound and the end before anything is allocated for it.
   */
  private static Message readAt(FileChannel channel, long segment, long offset, long end)
      throws IOException {
    if (end - offset < HEADER + FIXED) return null;
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    if (!readFully(channel, header, offset)) return null;
    header.flip();
    int length = header.getInt();
    long crc = header.getLong();
    if (length < FIXED || length > MAX_BODY || length > end - offset - HEADER || (crc >>> 32) != 0)
      return null;
    ByteBuffer body = ByteBuffer.allocate(length);
    if (!readFully(channel, body, offset + HEADER)) return null;
    body.flip();
    CRC32 check = new CRC32();
    check.update(body.duplicate());
    if (check.getValue() != crc) return null;
    long millis = body.getLong();
    int qos = body.get();
    int retain = body.get();
    int topicLength = body.getShort() & 0xFFFF;
    // A valid CRC over an impossible layout: written wrong, so damage all the same.
    if (qos < 0 || qos > 2 || (retain != 0 && retain != 1) || topicLength > body.remaining())
      return null;
    if (body.remaining() - topicLength > MAX_PAYLOAD) return null;
    byte[] topic = new byte[topicLength];
    body.get(topic);
    byte[] payload = new byte[body.remaining()];
    body.get(payload);
    return new Message(
        new String(topic, StandardCharsets.UTF_8),
        payload,
        qos,
        retain == 1,
        millis,
        new Position(segment, offset),
        new Position(segment, offset + HEADER + length));
  }

  private static boolean readFully(FileChannel channel, ByteBuffer buffer, long at)
      throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer, at + buffer.position()) < 0) return false;
    }
    return true;
  }

  /**
   * The offset of the first intact record in {@code [from, end)}, or -1. Candidates are screened on
   * their first bytes (a plausible length, the CRC's zero high half, QoS, retain flag, topic
   * length) before a full read, so scanning a damaged stretch costs little more than reading it.
   */
  private static long resync(FileChannel channel, long from, long end) throws IOException {
    ByteBuffer window = ByteBuffer.allocate(RESYNC_WINDOW);
    int screened = HEADER + FIXED;
    for (long base = from; end - base >= screened; ) {
      window.clear();
      window.limit((int) Math.min(RESYNC_WINDOW, end - base));
      if (!readFully(channel, window, base)) return -1;
      int candidates = window.limit() - screened;
      for (int i = 0; i <= candidates; i++) {
        int length = window.getInt(i);
        if (length < FIXED || length > MAX_BODY || length > end - (base + i) - HEADER) continue;
        if (window.getInt(i + 4) != 0) continue;
        int qos = window.get(i + HEADER + 8);
        int retain = window.get(i + HEADER + 9);
        int topicLength = window.getShort(i + HEADER + 10) & 0xFFFF;
        if (qos < 0 || qos > 2 || (retain != 0 && retain != 1) || topicLength > length - FIXED)
          continue;
        if (readAt(channel, 0, base + i, end) != null) return base + i;
      }
      base += candidates + 1;
    }
    return -1;
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
      figures.put("spoolCorrupt", corrupt);
      figures.put("spoolCorruptBytes", corruptBytes);
      figures.put("spoolTornTails", tornTails);
      figures.put("spoolStrayFiles", strayFiles);
      figures.put("spoolAppendFailures", appendFailures);
      return figures;
    } finally {
      lock.unlock();
    }
  }

  long pending() {
    return pending;
  }

  /** The folder, for messages. */
  Path dir() {
    return dir;
  }

  @Override
  public void close() throws IOException {
    Position toWrite;
    lock.lock();
    try {
      if (closed) return;
      closed = true;
      appended.signalAll();
      try {
        Segment last = segments.lastEntry().getValue();
        FileChannel channel = writer(last);
        if (channel.size() > last.bytes) channel.truncate(last.bytes); // what a failed write left
        channel.force(false);
      } finally {
        writer.close();
        if (reader != null) reader.close();
      }
      toWrite = committed;
    } finally {
      lock.unlock();
    }
    writeCommitted(toWrite);
  }
}
