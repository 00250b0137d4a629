# Checks that the bytes written to a raid LV are where the raid layout puts
# them on the PVs: layout.py TYPE CHUNK_BYTES DATA_FILE IMAGE_FILE:OFFSET ...
# (each image as the PV file and the byte offset of its first extent).
# raid1: every image holds the data; raid0: chunks round-robin; raid5_ls:
# left-symmetric with the parity chunk checked too; raid10 (near, 2 copies);
# raid6_zr with P and Q checked.
import sys

kind, chunk, data_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
images = []
for a in sys.argv[4:]:
    p, off = a.rsplit(':', 1)
    images.append((p, int(off)))
data = open(data_path, 'rb').read()
n = len(images)

def read(i, off, size):
    p, base = images[i]
    with open(p, 'rb') as f:
        f.seek(base + off)
        return f.read(size)

if kind == 'raid1':
    for i in range(n):
        if read(i, 0, len(data)) != data:
            sys.exit('image %d differs from the data' % i)
elif kind == 'raid0':
    for c in range(len(data) // chunk):
        if read(c % n, (c // n) * chunk, chunk) != data[c * chunk:(c + 1) * chunk]:
            sys.exit('raid0 chunk %d misplaced' % c)
elif kind == 'raid5_ls':
    d = n - 1
    for row in range(len(data) // chunk // d):
        pdisk = d - row % n
        par = bytearray(chunk)
        for k in range(d):
            disk = (pdisk + 1 + k) % n
            want = data[(row * d + k) * chunk:(row * d + k + 1) * chunk]
            if read(disk, row * chunk, chunk) != want:
                sys.exit('raid5 row %d data chunk %d not on disk %d' % (row, k, disk))
            par = bytearray(x ^ y for x, y in zip(par, want))
        if read(pdisk, row * chunk, chunk) != bytes(par):
            sys.exit('raid5 row %d parity wrong on disk %d' % (row, pdisk))
elif kind == 'raid10':
    # md's "near" layout with 2 copies: chunk c on devices 2c and 2c+1
    # (mod n) of row 2c // n.
    for c in range(len(data) // chunk):
        want = data[c * chunk:(c + 1) * chunk]
        for copy in range(2):
            slot = 2 * c + copy
            if read(slot % n, (slot // n) * chunk, chunk) != want:
                sys.exit('raid10 chunk %d copy %d not on disk %d' % (c, copy, slot % n))
elif kind == 'raid6_zr':
    # md's rotating-zero-restart: P on disk row % n, Q after it (disk 0 when
    # P is last), data in disk order around them; Q = sum of g^disk * D over
    # GF(2^8) (polynomial 0x11d), disks counted from 0 (DDF order).
    exp, log = [0] * 512, [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x = (x << 1) ^ (0x11d if x & 0x80 else 0)
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    def mul_table(k):
        return bytes(0 if b == 0 else exp[log[b] + k] for b in range(256))
    def xor(a, b):
        return (int.from_bytes(a, 'little') ^ int.from_bytes(b, 'little')).to_bytes(len(a), 'little')
    d = n - 2
    for row in range(len(data) // chunk // d):
        pd = row % n
        qd = 0 if pd == n - 1 else pd + 1
        disks = [i for i in range(n) if i not in (pd, qd)]
        if pd == n - 1:
            disks = list(range(1, n - 1))
        par = bytes(chunk)
        q = bytes(chunk)
        for k, disk in enumerate(disks):
            want = data[(row * d + k) * chunk:(row * d + k + 1) * chunk]
            if read(disk, row * chunk, chunk) != want:
                sys.exit('raid6 row %d data chunk %d not on disk %d' % (row, k, disk))
            par = xor(par, want)
            q = xor(q, want.translate(mul_table(disk)))
        if read(pd, row * chunk, chunk) != par:
            sys.exit('raid6 row %d P wrong on disk %d' % (row, pd))
        if read(qd, row * chunk, chunk) != q:
            sys.exit('raid6 row %d Q wrong on disk %d' % (row, qd))
else:
    sys.exit('unknown layout ' + kind)
