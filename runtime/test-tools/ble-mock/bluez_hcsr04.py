#!/usr/bin/python3
"""Emulated BlueZ with an HC-SR04 BLE bridge, for tests.

Starts a private D-Bus daemon and python3-dbusmock's bluez5 template on it, adds adapter hci0 and
one device with the ESP32 BLE_notify GATT service and characteristic, then prints
"ready <bus address> <device path>" and reads commands from stdin, one per line:

  notify HEX    the characteristic's Value changes to these bytes (a notification)
  remove        the device disappears (out of range)
  add           it comes back
  power-off     the adapter loses power (connections drop)
  power-on      it is back
  quit          stop everything

Usage: bluez_hcsr04.py DEVICE_ADDRESS [SERVICE_UUID CHARACTERISTIC_UUID]
"""
import os
import subprocess
import sys
import time

import dbus
import dbusmock

ADDRESS = sys.argv[1]
SERVICE_UUID = sys.argv[2] if len(sys.argv) > 2 else '4fafc201-1fb5-459e-8fcc-c5c9c331914b'
CHAR_UUID = sys.argv[3] if len(sys.argv) > 3 else 'beb5483e-36e1-4688-b7f5-ea07361b26a8'

daemon = subprocess.Popen(['dbus-daemon', '--session', '--nofork', '--print-address=1'],
                          stdout=subprocess.PIPE, text=True)
bus_address = daemon.stdout.readline().strip()
env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus_address)
mock_server = subprocess.Popen([sys.executable, '-m', 'dbusmock', '--system', '--template', 'bluez5'],
                               env=env, stdout=subprocess.DEVNULL)
bus = dbus.bus.BusConnection(bus_address)
for _ in range(200):
    if bus.name_has_owner('org.bluez'):
        break
    time.sleep(0.05)
else:
    sys.exit('org.bluez did not appear on the bus')

root = bus.get_object('org.bluez', '/')
bluez = dbus.Interface(root, 'org.bluez.Mock')
mock = dbus.Interface(root, dbusmock.MOCK_IFACE)
bluez.AddAdapter('hci0', 'sensorgw-test')


def add_device():
    path = bluez.AddDevice('hci0', ADDRESS, 'HC-SR04 bridge')
    # As BlueZ does, Connect makes the Connected property true (the template only signals it).
    dbus.Interface(bus.get_object('org.bluez', path), dbusmock.MOCK_IFACE).AddMethod(
        'org.bluez.Device1', 'Connect', '', '',
        "self.UpdateProperties('org.bluez.Device1', {'Connected': dbus.Boolean(True)})")
    service = path + '/service0001'
    char = service + '/char0002'
    mock.AddObject(service, 'org.bluez.GattService1',
                   {'UUID': SERVICE_UUID, 'Device': dbus.ObjectPath(path), 'Primary': True}, [])
    mock.AddObject(char, 'org.bluez.GattCharacteristic1',
                   {'UUID': CHAR_UUID, 'Service': dbus.ObjectPath(service),
                    'Value': dbus.Array([], signature='y'), 'Notifying': False,
                    'Flags': dbus.Array(['read', 'notify'], signature='s')},
                   [('StartNotify', '', '', "self.props['org.bluez.GattCharacteristic1']['Notifying'] = True"),
                    ('StopNotify', '', '', "self.props['org.bluez.GattCharacteristic1']['Notifying'] = False"),
                    ('ReadValue', 'a{sv}', 'ay', "ret = self.props['org.bluez.GattCharacteristic1']['Value']")])
    return path, service, char


state = {}


def run(words):
    if words[0] == 'notify':
        value = dbus.Array(bytes.fromhex(words[1]), signature='y')
        dbus.Interface(bus.get_object('org.bluez', state['char']), dbusmock.MOCK_IFACE).UpdateProperties(
            'org.bluez.GattCharacteristic1', {'Value': value})
    elif words[0] == 'remove':
        mock.RemoveObject(state['char'])
        mock.RemoveObject(state['service'])
        dbus.Interface(bus.get_object('org.bluez', '/org/bluez/hci0'), 'org.bluez.Adapter1').RemoveDevice(
            dbus.ObjectPath(state['device']))
    elif words[0] == 'add':
        state['device'], state['service'], state['char'] = add_device()
    elif words[0] in ('power-off', 'power-on'):
        on = dbus.Boolean(words[0] == 'power-on')
        dbus.Interface(bus.get_object('org.bluez', '/org/bluez/hci0'), dbusmock.MOCK_IFACE).UpdateProperties(
            'org.bluez.Adapter1', {'Powered': on})
        if not on:  # powering off drops every connection
            dbus.Interface(bus.get_object('org.bluez', state['device']), dbusmock.MOCK_IFACE).UpdateProperties(
                'org.bluez.Device1', {'Connected': dbus.Boolean(False)})


state['device'], state['service'], state['char'] = add_device()
print('ready', bus_address, state['device'], flush=True)

for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    try:
        run(words)
    except dbus.DBusException as e:
        print('error', words[0], e.get_dbus_message(), flush=True)
        continue
    if words[0] == 'quit':
        break
    print('ok', words[0], flush=True)

mock_server.terminate()
daemon.terminate()
