#!/usr/bin/env python3
"""Random 4 KiB page writes to a thin's FUSE file with an fsync every few
writes, logged so a kill at any moment leaves a record of what must survive.

  write LOG FILE SEED     runs until killed (or the device goes away)
  check LOG FILE          every page whose last write was fsynced reads back
Log lines: "P page seed" before a write (pending), "D" after an fsync
(every pending write so far is durable), "R" when a writer starts (the
previous writer's pending writes are uncertain)."""
import hashlib
import os
import random
import sys

PAGE = 4096


def content(seed):
    return hashlib.sha256(str(seed).encode()).digest() * (PAGE // 32)


def main():
    if sys.argv[1] == "write":
        log, path, seed = sys.argv[2], sys.argv[3], int(sys.argv[4])
        rng = random.Random(seed)
        pages = os.path.getsize(path) // PAGE
        lf = open(log, "a", buffering=1)
        lf.write("R\n")  # a new writer: the last one's pending writes never got an fsync
        lf.flush()
        fd = os.open(path, os.O_WRONLY)
        n = 0
        try:
            while True:
                p = rng.randrange(pages)
                s = rng.randrange(1 << 60)
                lf.write(f"P {p} {s}\n")
                lf.flush()
                os.pwrite(fd, content(s), p * PAGE)
                n += 1
                if n % 8 == 0:
                    os.fsync(fd)
                    lf.write("D\n")
                    lf.flush()
        except OSError:
            pass
    else:
        log, path = sys.argv[2], sys.argv[3]
        durable, pending = {}, {}
        with open(log) as f:
            for line in f:
                w = line.split()
                if not w:
                    continue
                if w[0] == "P" and len(w) == 3:
                    pending[int(w[1])] = int(w[2])
                elif w[0] == "D":
                    durable.update(pending)
                    pending.clear()
                elif w[0] == "R":
                    for p in pending:  # killed before its fsync: old or new bytes
                        durable.pop(p, None)
                    pending.clear()
        fd = os.open(path, os.O_RDONLY)
        bad = 0
        for p, s in durable.items():
            if p in pending:
                continue  # written again after the last fsync: either version may be there
            if os.pread(fd, PAGE, p * PAGE) != content(s):
                bad += 1
                print(f"page {p}: lost its fsynced write", file=sys.stderr)
        print(f"{len(durable)} fsynced pages checked, {bad} bad")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
