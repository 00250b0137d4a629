#!/usr/bin/env python3
"""A known workload on an origin and its snapshot (their device files), for
cow_reader.py to judge: writes of 1 byte to 40 KiB at random byte offsets,
most to the origin, some to the snapshot, then an fsync of each.

  cow_workload.py ORIGIN SNAP AT_SNAP CHUNK_BYTES SEED OUT_DIR
AT_SNAP is the origin's content when the snapshot was taken. Writes to
OUT_DIR: view.img (what the snapshot must show: AT_SNAP with the snapshot's
writes on top), origin.img (what the origin must hold) and chunks.txt (every
origin chunk a write touched, which must each have exactly one exception)."""
import os
import random
import sys


def main():
    origin_path, snap_path, at_snap, chunk, seed, out = sys.argv[1:7]
    chunk, rng = int(chunk), random.Random(int(seed))
    view = bytearray(open(at_snap, "rb").read())
    origin = bytearray(view)
    size = len(view)
    touched = set()
    fds = {"o": os.open(origin_path, os.O_WRONLY), "s": os.open(snap_path, os.O_WRONLY)}
    for _ in range(900):
        dev = "s" if rng.random() < 0.15 else "o"
        length = rng.choice([1, 512, 4096, 8192, rng.randint(1, 40960)])
        at = rng.randrange(size - length)
        if rng.random() < 0.3:  # sometimes whole chunks (no copy needed for the snapshot)
            at -= at % chunk
            length = chunk * rng.randint(1, 3)
            at = min(at, size - length)
        data = rng.randbytes(length)
        if os.pwrite(fds[dev], data, at) != length:
            sys.exit("short write")
        (origin if dev == "o" else view)[at:at + length] = data
        touched.update(range(at // chunk, (at + length - 1) // chunk + 1))
    for fd in fds.values():
        os.fsync(fd)
        os.close(fd)
    open(os.path.join(out, "view.img"), "wb").write(view)
    open(os.path.join(out, "origin.img"), "wb").write(origin)
    open(os.path.join(out, "chunks.txt"), "w").write("".join(f"{c}\n" for c in sorted(touched)))
    print(f"{len(touched)} chunks touched")


if __name__ == "__main__":
    main()
