package io.sensorgw.device.hcsr04.internal;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.bluez.Device1;
import org.bluez.GattCharacteristic1;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.interfaces.ObjectManager;
import org.freedesktop.dbus.interfaces.Properties;
import org.freedesktop.dbus.types.Variant;

/**
 * The BLE bridge through BlueZ over D-Bus: finds the device (by address or name) under the adapter,
 * connects it, finds the characteristic by service and characteristic UUID, starts notifications
 * and hands each {@code Value} change to a consumer. D-Bus delivers signals on its own threads; the
 * consumer only enqueues, so that thread is never held.
 */
final class BleBridge implements AutoCloseable {
  private static final String BLUEZ = "org.bluez";
  private static final String ADAPTER = "org.bluez.Adapter1";
  private static final String DEVICE = "org.bluez.Device1";
  private static final String SERVICE = "org.bluez.GattService1";
  private static final String CHARACTERISTIC = "org.bluez.GattCharacteristic1";

  private final String busAddress;
  private final String adapter;
  private final String deviceAddress;
  private final String deviceName;
  private final String serviceUuid;
  private final String characteristicUuid;
  private DBusConnection connection;
  private AutoCloseable signalHandler;
  private String devicePath;
  private GattCharacteristic1 characteristic;
  private final java.util.concurrent.atomic.AtomicLong signals =
      new java.util.concurrent.atomic.AtomicLong();

  BleBridge(
      String busAddress,
      String adapter,
      String deviceAddress,
      String deviceName,
      String serviceUuid,
      String characteristicUuid) {
    this.busAddress = busAddress;
    this.adapter = adapter;
    this.deviceAddress = deviceAddress;
    this.deviceName = deviceName;
    this.serviceUuid = serviceUuid.toLowerCase(Locale.ROOT);
    this.characteristicUuid = characteristicUuid.toLowerCase(Locale.ROOT);
  }

  /** Connects and starts notifications; each new value goes to {@code onValue}. */
  void start(Consumer<byte[]> onValue) throws Exception {
    connection =
        busAddress.isBlank()
            ? DBusConnectionBuilder.forSystemBus().withShared(false).build()
            : DBusConnectionBuilder.forAddress(busAddress).withShared(false).build();
    Map<DBusPath, Map<String, Map<String, Variant<?>>>> objects = managedObjects();
    devicePath = findDevice(objects);
    Device1 device = connection.getRemoteObject(BLUEZ, devicePath, Device1.class);
    if (!Boolean.TRUE.equals(
        value(objects.get(new DBusPath(devicePath)).get(DEVICE), "Connected"))) {
      device.Connect();
      objects = managedObjects(); // services appear once connected
    }
    String characteristicPath = findCharacteristic(objects);
    signalHandler =
        connection.addSigHandler(
            Properties.PropertiesChanged.class,
            signal -> {
              if (!characteristicPath.equals(signal.getPath())) return;
              signals.incrementAndGet();
              Variant<?> changed = signal.getPropertiesChanged().get("Value");
              byte[] bytes = changed == null ? null : bytes(changed.getValue());
              if (bytes != null) onValue.accept(bytes);
            });
    characteristic =
        connection.getRemoteObject(BLUEZ, characteristicPath, GattCharacteristic1.class);
    characteristic.StartNotify();
  }

  /** True while the adapter is powered and the device is still known to BlueZ and connected. */
  boolean connected() throws IOException {
    Map<DBusPath, Map<String, Map<String, Variant<?>>>> objects = managedObjects();
    Map<String, Map<String, Variant<?>>> adapterObject =
        objects.get(new DBusPath("/org/bluez/" + adapter));
    Map<String, Map<String, Variant<?>>> device = objects.get(new DBusPath(devicePath));
    return adapterObject != null
        && Boolean.TRUE.equals(value(adapterObject.get(ADAPTER), "Powered"))
        && device != null
        && device.containsKey(DEVICE)
        && Boolean.TRUE.equals(value(device.get(DEVICE), "Connected"));
  }

  private Map<DBusPath, Map<String, Map<String, Variant<?>>>> managedObjects() throws IOException {
    try {
      return connection.getRemoteObject(BLUEZ, "/", ObjectManager.class).GetManagedObjects();
    } catch (Exception e) {
      throw new IOException("BlueZ is not answering on D-Bus: " + e.getMessage(), e);
    }
  }

  private String findDevice(Map<DBusPath, Map<String, Map<String, Variant<?>>>> objects)
      throws IOException {
    String prefix = "/org/bluez/" + adapter + "/";
    Map<String, Map<String, Variant<?>>> adapterObject =
        objects.get(new DBusPath("/org/bluez/" + adapter));
    if (adapterObject == null || !adapterObject.containsKey(ADAPTER))
      throw new IOException("no Bluetooth adapter " + adapter);
    if (!Boolean.TRUE.equals(value(adapterObject.get(ADAPTER), "Powered"))) {
      throw new IOException("Bluetooth adapter " + adapter + " is powered off");
    }
    for (Map.Entry<DBusPath, Map<String, Map<String, Variant<?>>>> entry : objects.entrySet()) {
      Map<String, Variant<?>> device = entry.getValue().get(DEVICE);
      if (device == null || !entry.getKey().getPath().startsWith(prefix)) continue;
      boolean byAddress =
          !deviceAddress.isBlank()
              && deviceAddress.equalsIgnoreCase(String.valueOf(value(device, "Address")));
      boolean byName =
          deviceAddress.isBlank()
              && !deviceName.isBlank()
              && (deviceName.equals(value(device, "Name"))
                  || deviceName.equals(value(device, "Alias")));
      if (byAddress || byName) return entry.getKey().getPath();
    }
    throw new IOException(
        "device "
            + (deviceAddress.isBlank() ? "'" + deviceName + "'" : deviceAddress)
            + " not found on "
            + adapter
            + " (out of range, or not paired/discovered)");
  }

  private String findCharacteristic(Map<DBusPath, Map<String, Map<String, Variant<?>>>> objects)
      throws IOException {
    for (Map.Entry<DBusPath, Map<String, Map<String, Variant<?>>>> entry : objects.entrySet()) {
      Map<String, Variant<?>> gatt = entry.getValue().get(CHARACTERISTIC);
      String path = entry.getKey().getPath();
      if (gatt == null || !path.startsWith(devicePath + "/")) continue;
      if (!characteristicUuid.equals(String.valueOf(value(gatt, "UUID")).toLowerCase(Locale.ROOT)))
        continue;
      Object service = value(gatt, "Service");
      Map<String, Map<String, Variant<?>>> serviceObject =
          service instanceof DBusPath servicePath ? objects.get(servicePath) : null;
      if (serviceObject == null
          || !serviceObject.containsKey(SERVICE)
          || serviceUuid.equals(
              String.valueOf(value(serviceObject.get(SERVICE), "UUID")).toLowerCase(Locale.ROOT))) {
        return path;
      }
    }
    throw new IOException(
        "characteristic "
            + characteristicUuid
            + " of service "
            + serviceUuid
            + " not found on "
            + devicePath);
  }

  /** An {@code ay} as dbus-java hands it over: byte[], or a list or array of Byte. */
  private static byte[] bytes(Object value) {
    if (value instanceof byte[] array) return array;
    if (value instanceof Byte[] boxed) {
      byte[] array = new byte[boxed.length];
      for (int i = 0; i < boxed.length; i++) array[i] = boxed[i];
      return array;
    }
    if (value instanceof List<?> list && list.stream().allMatch(Byte.class::isInstance)) {
      byte[] array = new byte[list.size()];
      for (int i = 0; i < array.length; i++) array[i] = (Byte) list.get(i);
      return array;
    }
    return null;
  }

  /** PropertiesChanged signals seen for the characteristic. */
  long signals() {
    return signals.get();
  }

  private static Object value(Map<String, Variant<?>> properties, String name) {
    Variant<?> variant = properties == null ? null : properties.get(name);
    return variant == null ? null : variant.getValue();
  }

  /** Stops notifications, disconnects and closes the D-Bus connection; each step best effort. */
  @Override
  public void close() {
    for (AutoCloseable step :
        List.<AutoCloseable>of(
            () -> {
              if (characteristic != null) characteristic.StopNotify();
            },
            () -> {
              if (signalHandler != null) signalHandler.close();
            },
            () -> {
              if (devicePath != null && connection != null)
                connection.getRemoteObject(BLUEZ, devicePath, Device1.class).Disconnect();
            },
            () -> {
              if (connection != null) connection.close();
            })) {
      try {
        step.close();
      } catch (Exception e) {
        // the device or the bus is already gone: nothing left to release there
      }
    }
    characteristic = null;
    signalHandler = null;
    connection = null;
  }

  String describe() {
    return (deviceAddress.isBlank() ? "'" + deviceName + "'" : deviceAddress)
        + " on "
        + adapter
        + (busAddress.isBlank() ? "" : " (" + busAddress + ")");
  }
}
