#!/usr/bin/env python3
"""Random 4 KiB page writes and whole-block discards to a thin's FUSE file
with an fsync every few operations, logged so a kill at any moment leaves a
record of what must survive.

  write LOG FILE SEED        runs until killed (or the device goes away)
  check LOG FILE [SNAP_ID]   every page whose last write or discard was
                             fsynced reads back; with SNAP_ID, FILE is that
                             snapshot and holds what was durable when it was
                             taken
Log lines: "P page seed" before a write and "Z block" before a discard of a
whole pool block (pending), "D" after an fsync (every pending operation so
far is durable), "R" when a writer starts (the previous writer's pending
operations are uncertain), and from the test's snapshot loop "S id" before
the origin is suspended for create_snap and "T id" after it resumed."""
import ctypes
import hashlib
import os
import random
import sys

PAGE = 4096
BLOCK = 64 * 1024  # the pool's data block (128 sectors)
ZERO = 0  # a page's "seed" after a discard: it reads zeros
FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE = 1, 2


def content(seed):
    if seed == ZERO:
        return bytes(PAGE)
    return hashlib.sha256(str(seed).encode()).digest() * (PAGE // 32)


def punch(fd, off, length):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    if libc.fallocate(fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, off, length) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def write(log, path, seed):
    rng = random.Random(seed)
    pages = os.path.getsize(path) // PAGE
    lf = open(log, "a", buffering=1)
    lf.write("R\n")  # a new writer: the last one's pending operations never got an fsync
    lf.flush()
    fd = os.open(path, os.O_WRONLY)
    open(log + ".ready", "w").close()  # the test kills udmd only after this
    n = 0
    try:
        while True:
            if rng.randrange(16) == 0:
                b = rng.randrange(pages * PAGE // BLOCK)
                lf.write(f"Z {b}\n")
                lf.flush()
                punch(fd, b * BLOCK, BLOCK)
            else:
                p = rng.randrange(pages)
                s = rng.randrange(1, 1 << 60)
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


class Replay:
    """The log replayed: what is durable on the origin, and for each
    snapshot what was durable when it was taken and which pages were in
    flight while it was taken (either version may be there)."""

    def __init__(self, log):
        self.durable, self.pending = {}, {}
        self.snap_state, self.snap_uncertain, self.open_snaps = {}, {}, set()
        with open(log) as f:
            for line in f:
                self.line(line.split())

    def touch(self, page, seed):
        self.pending[page] = seed
        for s in self.open_snaps:
            self.snap_uncertain[s].add(page)

    def line(self, w):
        if not w:
            return
        if w[0] == "P" and len(w) == 3:
            self.touch(int(w[1]), int(w[2]))
        elif w[0] == "Z" and len(w) == 2:
            first = int(w[1]) * BLOCK // PAGE
            for p in range(first, first + BLOCK // PAGE):
                self.touch(p, ZERO)
        elif w[0] == "D":
            self.durable.update(self.pending)
            self.pending.clear()
        elif w[0] == "R":
            for p in self.pending:  # killed before its fsync: old or new bytes
                self.durable.pop(p, None)
            self.pending.clear()
            self.open_snaps.clear()  # udmd was killed: nothing more reaches those snapshots
        elif w[0] == "S" and len(w) == 2:
            s = int(w[1])
            self.snap_state[s] = {p: v for p, v in self.durable.items() if p not in self.pending}
            self.snap_uncertain[s] = set(self.pending)
            self.open_snaps.add(s)
        elif w[0] == "T" and len(w) == 2:
            self.open_snaps.discard(int(w[1]))


def check(log, path, snap):
    r = Replay(log)
    if snap is None:
        expect = {p: s for p, s in r.durable.items() if p not in r.pending}
        what = "fsynced pages"
    else:
        if snap not in r.snap_state:
            print(f"snapshot {snap} was never asked for", file=sys.stderr)
            sys.exit(1)
        expect = {p: s for p, s in r.snap_state[snap].items() if p not in r.snap_uncertain[snap]}
        what = f"pages of snapshot {snap}"
    fd = os.open(path, os.O_RDONLY)
    bad = 0
    for p, s in expect.items():
        if os.pread(fd, PAGE, p * PAGE) != content(s):
            bad += 1
            print(f"page {p}: lost its fsynced {'discard' if s == ZERO else 'write'}", file=sys.stderr)
    os.close(fd)
    print(f"{len(expect)} {what} checked, {bad} bad")
    sys.exit(1 if bad else 0)


def main():
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        check(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else None)


if __name__ == "__main__":
    main()
