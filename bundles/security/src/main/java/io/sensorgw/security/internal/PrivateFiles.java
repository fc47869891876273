package io.sensorgw.security.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files only the gateway's user may read: created 0600 (never readable for a moment in between) in
 * a folder made 0700, written whole to a temporary file, synced and moved into place, so a power
 * cut leaves the old content or the new, never half.
 */
final class PrivateFiles {
  private PrivateFiles() {}

  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> FOLDER =
      PosixFilePermissions.fromString("rwx------");

  static void write(Path file, byte[] content) throws IOException {
    Path folder = file.toAbsolutePath().getParent();
    if (!Files.isDirectory(folder)) {
      try {
        Files.createDirectories(folder, attribute(FOLDER));
      } catch (UnsupportedOperationException e) { // not POSIX
        Files.createDirectories(folder);
      }
    }
    Path temporary = folder.resolve(file.getFileName() + ".new");
    Files.deleteIfExists(temporary);
    try (FileChannel channel = open(temporary)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) channel.write(buffer);
      channel.force(true);
    }
    Files.move(
        temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static FileChannel open(Path path) throws IOException {
    Set<StandardOpenOption> options =
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    try {
      return FileChannel.open(path, options, attribute(FILE));
    } catch (UnsupportedOperationException e) {
      return FileChannel.open(path, options);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("cannot create " + path + ": it appeared meanwhile", e);
    }
  }

  private static FileAttribute<Set<PosixFilePermission>> attribute(
      Set<PosixFilePermission> permissions) {
    return PosixFilePermissions.asFileAttribute(permissions);
  }
}
