# Checks that the bytes written to a raid LV are where the raid layout puts
# them on the PVs: layout.py TYPE CHUNK_BYTES DATA_FILE IMAGE_FILE:OFFSET ...
# (each image as the PV file and the byte offset of its first extent).
# raid1: every image holds the data; raid0: chunks round-robin; raid5_ls:
# left-symmetric with the parity chunk checked too.
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
else:
    sys.exit('unknown layout ' + kind)
