#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the small synthetic seed files of the image and option fuzz harnesses
# (fuzz/corpus/<name>/).
# Layouts follow doc/flash-layout.md; nothing here comes from a real device.
# Usage: python3 fuzz/image/mkseeds.py   (from the source root)
import hashlib, os, struct, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'corpus')


def crc(b):
    return zlib.crc32(b) & 0xFFFFFFFF


def header(boot_cfg, img_len, img_start, data=None, ignore=False):
    h = bytearray(b'\xff' * 176)
    h[0:4] = b'BFNP'
    h[4:8] = struct.pack('<I', 1)
    h[8:12] = b'FCFG'
    h[12:96] = bytes((i * 7 + 1) & 0xFF for i in range(84))
    h[96:100] = struct.pack('<I', crc(h[12:96]))
    h[100:104] = b'PCFG'
    h[104:112] = bytes([4, 4, 0, 1, 3, 1, 0, 0])
    h[112:116] = struct.pack('<I', crc(h[104:112]))
    h[116:132] = struct.pack('<IIII', boot_cfg, img_len, 0, img_start)
    if ignore:
        h[132:164] = struct.pack('<I', 0xDEADBEEF) + bytes(28)
    else:
        h[132:164] = hashlib.sha256(data).digest() if data else bytes(32)
    h[164:172] = bytes(8)
    h[172:176] = struct.pack('<I', 0xDEADBEEF if ignore else crc(h[0:172]))
    return bytes(h)


def ptable(entries, age=0):
    body = b''
    for (typ, name, a0, l0, a1, l1, act) in entries:
        body += struct.pack('<BBB9sIIIIII', typ, 0, act, name.encode(), a0, a1, l0, l1, 0, 0)
    hdr = b'BFPT' + struct.pack('<HHI', 0, len(entries), age)
    hdr += struct.pack('<I', crc(hdr))
    return hdr + body + struct.pack('<I', crc(body))


def kv(status, name, value):
    n = name.encode()
    ln = 28 + len(n) + len(value)
    tail = bytes([len(n)]) + b'\xff\xff\xff' + struct.pack('<I', len(value)) + n + value
    return bytes(status) + b'\xff\xff\xff' + b'KV40' + struct.pack('<II', ln, crc(tail)) + tail


def ef_sector(store, dirty, entries):
    s = bytes(store) + bytes(dirty) + b'\xff\xff' + b'EF40' + b'\xff' * 8 + b''.join(entries)
    return s + b'\xff' * (4096 - len(s))


def fdt():
    strs = b''
    offs = {}

    def so(n):
        nonlocal strs
        if n not in offs:
            offs[n] = len(strs)
            strs += n.encode() + b'\0'
        return offs[n]

    st = b''

    def node(n):
        nonlocal st
        b = n.encode() + b'\0'
        st += struct.pack('>I', 1) + b + b'\0' * (-len(b) % 4)

    def prop(n, v):
        nonlocal st
        st += struct.pack('>III', 3, len(v), so(n)) + v + b'\0' * (-len(v) % 4)

    node('')
    node('wifi')
    node('sta')
    prop('ssid', b'seednet\0')
    prop('pwd', b'seedpass\0')
    st += struct.pack('>I', 2)
    node('ap')
    prop('ssid', b'BL602\0')
    st += struct.pack('>II', 2, 2)
    st += struct.pack('>II', 2, 9)
    total = 56 + len(st) + len(strs)
    hdr = struct.pack('>10I', 0xD00DFEED, total, 56, 56 + len(st), 40, 17, 16, 0, len(strs), len(st))
    return hdr + bytes(16) + st + strs


W = [0, 0, 0xFF, 0xFF, 0xFF]
D = [0, 0, 0, 0, 0xFF]
PD = [0, 0, 0, 0xFF, 0xFF]
USING = [0, 0, 0xFF]
DF = [0, 0xFF, 0xFF]


def write(name, fname, data):
    d = os.path.join(ROOT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, fname), 'wb') as f:
        f.write(data)


app = bytes((i * 13 + 5) & 0xFF for i in range(256))
write('bootheader', 'header_ok', header(0x3300, 256, 0x1000, app) + b'\xff' * (0x1000 - 176) + app)
write('bootheader', 'header_ignore', header(0x33300, 256, 0x2000, ignore=True))
write('bootheader', 'xz', bytes([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) + b'\0' * 26)

classic = [(0, 'FW', 0x10000, 0xC8000, 0xD8000, 0x88000, 0), (2, 'mfg', 0x160000, 0x32000, 0, 0, 0),
           (4, 'PSM', 0x1E9000, 0x8000, 0, 0, 0), (7, 'factory', 0x1F8000, 0x7000, 0, 0, 0)]
write('ptable', 'classic', ptable(classic))
write('ptable', 'two_ages', ptable(classic, 0) + ptable(classic, 3))

s0 = ef_sector(USING, DF, [kv(D, 'conf_ap_ssid', b'old'), kv(PD, 'conf_ap_psk', b'pw'),
                           kv(W, 'conf_ap_ssid', b'new'), kv(W, 'boot_times', b'3')])
broken = bytearray(kv(W, 'bad', b'value'))
broken[12:16] = b'\xff\xff\xff\xff'
s1 = ef_sector(USING, DF, [bytes(broken), b'\0' * 7, kv(W, 'fcdata', bytes(80))])
write('easyflash', 'two_sectors', s0 + s1)
write('easyflash', 'obk_cfg', ef_sector(USING, DF, [kv(W, 'mY0bcFg', b'CFG\0' + struct.pack('<I', 3) + bytes(2008))]))

write('fdt', 'wifi', fdt())

# a compact whole image: boot2, both tables, FW, PSM and factory packed below 0x15000
img = bytearray(b'\xff' * 0x15000)
b2 = bytes((i * 31 + 7) & 0xFF for i in range(512))
img[0:176] = header(0x3300, len(b2), 0x2000, b2)
img[0x2000:0x2000 + len(b2)] = b2
small = [(0, 'FW', 0x10000, 0x2000, 0, 0, 0), (4, 'PSM', 0x12000, 0x2000, 0, 0, 0),
         (7, 'factory', 0x14000, 0x1000, 0, 0, 0)]
pt = ptable(small)
img[0xE000:0xE000 + len(pt)] = pt
img[0xF000:0xF000 + len(pt)] = pt
img[0x10000:0x10000 + 176] = header(0x3300, 256, 0x2000, app)
img[0x11000:0x11000 + 256] = app
img[0x12000:0x14000] = s0 + s1
f = fdt()
img[0x14000:0x14000 + len(f)] = f
write('image', 'compact', bytes(img))
write('image', 'header_only', header(0x3300, 256, 0x1000, app))
write('image', 'firmware_only', header(0x3300, 256, 0x2000, app) + b'\xff' * (0x1000 - 176) + app)
write('image', 'boot2_only', bytes(img[0:0x2000 + len(b2)]))
write('image', 'xz', bytes([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) + bytes(20) + b'YZ')


def crc8(b):
    c = 0
    for x in b:
        c ^= x
        for _ in range(8):
            c = (c >> 1) ^ 0x8C if c & 1 else c >> 1
    return c


def obk_cfg(version, fields):
    size = 2016 if version == 3 else 3584
    v = bytearray(size)
    v[0:3] = b'CFG'
    v[4:8] = struct.pack('<I', version)
    for off, val in fields:
        v[off:off + len(val)] = val
    v[3] = crc8(v[4:size])
    return bytes(v)


creds = [(0x14, b'seednet'), (0x54, b'seedpass'), (0x94, b'mqtt.local'), (0x1D4, b'user'),
         (0x214, b'TestNet-mqtt'), (0x2DE, b'obk-seed'), (0xC00, b'seednet2'), (0xC84, b'web')]
write('obk', 'v5', obk_cfg(5, creds))
write('obk', 'v3', obk_cfg(3, creds[:6]))
bad = bytearray(obk_cfg(5, creds))
bad[3] ^= 1
write('obk', 'bad_crc8', bytes(bad))
write('obk', 'short', b'CFG\0\5\0\0\0seednet')

for name, argv in [('flags', ['--json', 'dump.bin']), ('numbers', ['-s', '0x1000', '--size=4k', 'a', 'b']),
                   ('grouped', ['-fs16M', 'x', '--', '-f']), ('values', ['--ssid', 'Net', '--start', '1M']),
                   ('globals', ['-p', '/dev/ttyUSB0', '--baud=2000000', '--before', 'rts,w50,-rts', '-vvq']),
                   ('help', ['--help']), ('bad', ['--start', '12x', '--nope', '-'])]:
    write('opts', name, b'\0'.join(a.encode() for a in argv))
