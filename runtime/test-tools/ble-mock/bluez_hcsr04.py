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

The dbus-daemon and dbusmock end with this helper however it ends: on quit, end of input, SIGTERM,
or an error they are stopped here, and the kernel sends them SIGTERM should it be killed outright.
"""
import ctypes
import os
import signal
import subprocess
import sys
import time

import dbus
import dbusmock

ADDRESS = sys.argv[1]
SERVICE_UUID = sys.argv[2] if len(sys.argv) > 2 else '4fafc201-1fb5-459e-8fcc-c5c9c331914b'
CHAR_UUID = sys.argv[3] if len(sys.argv) > 3 else 'beb5483e-36e1-4688-b7f5-ea07361b26a8'

HELPER_PID = os.getpid()
children = []


def die_with_helper():
    """In a child before exec: SIGTERM when the helper ends, even by SIGKILL (PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    if os.getppid() != HELPER_PID:  # the helper ended before prctl took effect
        os._exit(1)


def start(command, **kwargs):
    child = subprocess.Popen(command, preexec_fn=die_with_helper, **kwargs)
    children.append(child)
    return child


def stop_children():
    for child in reversed(children):
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def exit_on_signal(signum, frame):
    sys.exit(128 + signum)  # unwinds through the finally below, which stops the children


for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(sig, exit_on_signal)

state = {}


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


try:
    daemon = start(['dbus-daemon', '--session', '--nofork', '--print-address=1'], stdout=subprocess.PIPE, text=True)
    bus_address = daemon.stdout.readline().strip()
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus_address)
    start([sys.executable, '-m', 'dbusmock', '--system', '--template', 'bluez5'], env=env, stdout=subprocess.DEVNULL)
    bus = dbus.bus.BusConnection(bus_address)
    # dbusmock takes a while to start on a busy machine: a generous bound, left early once it is up.
    deadline = time.monotonic() + 120
    while not bus.name_has_owner('org.bluez'):
        if time.monotonic() > deadline:
            sys.exit('org.bluez did not appear on the bus within 120 s')
        time.sleep(0.05)

    root = bus.get_object('org.bluez', '/')
    bluez = dbus.Interface(root, 'org.bluez.Mock')
    mock = dbus.Interface(root, dbusmock.MOCK_IFACE)
    bluez.AddAdapter('hci0', 'sensorgw-test')
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
finally:
    stop_children()
