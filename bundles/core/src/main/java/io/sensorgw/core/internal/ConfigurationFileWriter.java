package io.sensorgw.core.internal;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every configuration created or changed at run time (Web Console, Gogo, a calibration) last:
 * the framework starts with a clean cache, so only configurations backed by a file in {@code
 * config/} come back after a restart or an upgrade. A configuration that has no file yet gets one
 * ({@code <pid>.config}, or {@code <factory pid>-<sensor.id or name>.config}), which FileInstall
 * then reads like any other: editing it changes the configuration.
 *
 * <p>It also writes a changed configuration back to the file it came from, and deletes the file of
 * a deleted configuration, in place of FileInstall's own write-back (switched off: {@code
 * felix.fileinstall.enableConfigSave=false}). FileInstall rewrites a file in place on every update,
 * its own included, so its scanner could read the file truncated, apply the empty configuration and
 * write that back: a configuration lost for good (seen in the crash test under load). Here a file
 * is written only when its content differs, whole under another name, then renamed.
 *
 * <p>Active only where the framework property {@code sensorgw.config.dir} names FileInstall's
 * configuration folder (the runtime sets it; in-framework tests do not).
 */
@Component
public class ConfigurationFileWriter implements ConfigurationListener {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigurationFileWriter.class);

  /** FileInstall's property naming the file a configuration came from (its URI). */
  static final String FILENAME = "felix.fileinstall.filename";

  static final String CONFIG_DIR_PROPERTY = "sensorgw.config.dir";

  private final ConfigurationAdmin configAdmin;
  private final File folder;

  /** The file of each configuration that has one, by PID: deleting the configuration deletes it. */
  private final Map<String, Path> files = new ConcurrentHashMap<>();

  @Activate
  public ConfigurationFileWriter(BundleContext context, @Reference ConfigurationAdmin configAdmin) {
    this.configAdmin = configAdmin;
    String dir = context.getProperty(CONFIG_DIR_PROPERTY);
    this.folder = dir == null || dir.isBlank() ? null : new File(dir);
    if (folder != null) knowFiles();
  }

  /**
   * The files of the configurations FileInstall made before this component was there (their events
   * went by): deleting one of those configurations deletes its file too.
   */
  private void knowFiles() {
    try {
      Configuration[] all = configAdmin.listConfigurations("(" + FILENAME + "=*)");
      if (all == null) return;
      for (Configuration configuration : all) {
        Dictionary<String, Object> properties = configuration.getProperties();
        Path file = properties == null ? null : fileIn(properties.get(FILENAME));
        if (file != null) files.put(configuration.getPid(), file);
      }
    } catch (IOException | InvalidSyntaxException e) {
      LOG.warn("Configuration files: could not list the configurations: {}", e.toString());
    }
  }

  /**
   * The file a configuration's {@code felix.fileinstall.filename} names, if it is in the folder.
   */
  private Path fileIn(Object filename) {
    if (filename == null) return null;
    try {
      Path file = Path.of(URI.create(filename.toString())).toAbsolutePath().normalize();
      return file.startsWith(folder.toPath().toAbsolutePath().normalize()) ? file : null;
    } catch (IllegalArgumentException | FileSystemNotFoundException notAFile) {
      return null;
    }
  }

  @Override
  public void configurationEvent(ConfigurationEvent event) {
    if (folder == null) return;
    if (event.getType() == ConfigurationEvent.CM_DELETED) {
      Path file = files.remove(event.getPid());
      try {
        if (file != null && Files.deleteIfExists(file))
          LOG.info("Configuration {} deleted: removed {}", event.getPid(), file);
      } catch (IOException e) {
        LOG.warn(
            "Configuration {} deleted, but its file {} could not be removed: {}",
            event.getPid(),
            file,
            e.toString());
      }
      return;
    }
    if (event.getType() != ConfigurationEvent.CM_UPDATED) return;
    try {
      Configuration[] found =
          configAdmin.listConfigurations(
              "("
                  + Constants.SERVICE_PID
                  + "="
                  + event.getPid().replaceAll("([\\\\()*])", "\\\\$1")
                  + ")");
      if (found == null || found.length == 0) return; // deleted meanwhile
      Configuration configuration = found[0];
      Dictionary<String, Object> properties = configuration.getProperties();
      if (properties == null) return;
      Object filename = properties.get(FILENAME);
      if (filename == null) save(configuration, properties);
      else writeBack(configuration.getPid(), filename.toString(), properties);
    } catch (Exception e) {
      // The configuration applies all the same; it is only not kept across a restart.
      LOG.warn(
          "Configuration {} could not be saved in {} and will not last a restart: {}",
          event.getPid(),
          folder,
          e.toString());
    }
  }

  private void save(Configuration configuration, Dictionary<String, Object> properties)
      throws IOException {
    Map<String, Object> values = values(properties);
    Path file = fileFor(configuration, values);
    if (file == null) return;
    String text =
        TypedConfigFormat.format(
            "made at run time (console, Gogo or calibration), saved by sensorgw at "
                + Instant.now(),
            values);
    Hashtable<String, Object> withFile = new Hashtable<>(values);
    withFile.put(FILENAME, file.toFile().getAbsoluteFile().toURI().toString());
    // The file name goes into the configuration before the file appears: FileInstall finds a
    // configuration by it, and without it would make a second (factory) configuration of the file.
    configuration.update(withFile);
    writeWhole(file, text);
    files.put(configuration.getPid(), file); // deleting the configuration deletes the file
    LOG.info(
        "Configuration {} saved as {} (it now lasts across restarts; edit or delete it there or in the console)",
        configuration.getPid(),
        file);
  }

  /**
   * The configuration's values to write: its properties but those the framework and FileInstall
   * set.
   */
  private static Map<String, Object> values(Dictionary<String, Object> properties) {
    Map<String, Object> values = new TreeMap<>();
    for (String key : Collections.list(properties.keys())) {
      if (!key.equals(Constants.SERVICE_PID)
          && !key.equals(ConfigurationAdmin.SERVICE_FACTORYPID)
          && !key.equals(ConfigurationAdmin.SERVICE_BUNDLELOCATION)
          && !key.equals(FILENAME)) {
        values.put(key, properties.get(key));
      }
    }
    return values;
  }

  /**
   * A configuration that came from a file in the folder: the file made to say the same, if it does
   * not.
   */
  private void writeBack(String pid, String filename, Dictionary<String, Object> properties)
      throws IOException {
    Path file = fileIn(filename);
    if (file == null) return;
    files.put(pid, file);
    if (!Files.isRegularFile(file))
      return; // being deleted: FileInstall deletes the configuration next
    String text = Files.readString(file, StandardCharsets.ISO_8859_1);
    String changed = ConfigurationFileText.withValues(text, values(properties));
    if (changed == null)
      return; // says the same already (FileInstall's own update, or ours read back)
    writeWhole(file, changed);
    LOG.info("Configuration {} changed: written back to {}", pid, file);
  }

  /**
   * Written whole under another name and renamed, so FileInstall never reads half a file; only the
   * gateway's user may read it (it may hold a password).
   */
  private static void writeWhole(Path file, String text) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    Files.deleteIfExists(partial);
    try {
      Files.createFile(
          partial,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(partial);
    }
    Files.writeString(partial, text, StandardCharsets.ISO_8859_1);
    Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** A free file name for the configuration, or null when a file of its PID exists already. */
  private Path fileFor(Configuration configuration, Map<String, Object> values) throws IOException {
    Path dir = folder.toPath();
    String factoryPid = configuration.getFactoryPid();
    if (factoryPid == null) {
      String pid = configuration.getPid();
      if (pid.contains("-"))
        throw new IOException("FileInstall cannot name a file for a PID with '-'");
      for (String extension : new String[] {".cfg", ".config"}) {
        if (Files.exists(dir.resolve(pid + extension))) {
          LOG.warn(
              "Configuration {} has no file but {} exists; not writing another",
              pid,
              pid + extension);
          return null;
        }
      }
      return dir.resolve(pid + ".config");
    }
    Object sensorId = values.get("sensor.id");
    String name =
        sensorId != null ? sensorId.toString() : instanceName(configuration.getPid(), factoryPid);
    name = name.replaceAll("[^A-Za-z0-9._-]", "_");
    if (name.isEmpty()) name = "console";
    for (int n = 1; ; n++) {
      String stem = factoryPid + "-" + name + (n == 1 ? "" : "-" + n);
      if (!Files.exists(dir.resolve(stem + ".cfg"))
          && !Files.exists(dir.resolve(stem + ".config"))) {
        return dir.resolve(stem + ".config");
      }
      if (n > 1000) throw new FileAlreadyExistsException(dir.resolve(stem + ".config").toString());
    }
  }

  /**
   * What follows the factory PID in a factory configuration's PID ({@code ~name} or {@code .uuid}).
   */
  private static String instanceName(String pid, String factoryPid) {
    String rest = pid.startsWith(factoryPid) ? pid.substring(factoryPid.length()) : pid;
    return rest.replaceFirst("^[.~]", "");
  }
}
