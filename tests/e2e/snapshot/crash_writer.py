#!/usr/bin/env python3
"""Writes of 1 to 8 random 4 KiB pages at random places of a device file,
an fsync every few writes, logged so that a kill at any moment leaves a
record of what must have survived.

  write LOG FILE SEED     runs until killed (or the device goes away)
  burst LOG FILE SEED MARK PID  many writes with no fsync, then one fsync of
                          them all, then kill -9 of PID (udmd) at once;
                          creates MARK and waits to be killed
  check LOG FILE          every page whose last write was fsynced reads back
Log lines: "P page seed" before a write (pending), "D" after an fsync (every
pending write so far is durable), "R" when a writer starts (the previous
writer's pending writes may or may not have landed)."""
import hashlib
import os
import random
import signal
import sys
import time

PAGE = 4096


def content(seed):
    return hashlib.sha256(str(seed).encode()).digest() * (PAGE // 32)


def write(log, path, seed):
    rng = random.Random(seed)
    pages = os.path.getsize(path) // PAGE
    lf = open(log, "a", buffering=1)
    fd = os.open(path, os.O_WRONLY)
    lf.write("R\n")
    n = 0
    try:
        while True:
            count = rng.randint(1, 8)
            first = rng.randrange(pages - count)
            seeds = [rng.randrange(1 << 60) for _ in range(count)]
            lf.write("".join(f"P {first + k} {s}\n" for k, s in enumerate(seeds)))
            os.pwrite(fd, b"".join(content(s) for s in seeds), first * PAGE)
            n += 1
            if n % 4 == 0:
                os.fsync(fd)
                lf.write("D\n")
    except OSError:
        pass


def burst(log, path, seed, mark, pid):
    rng = random.Random(seed)
    pages = os.path.getsize(path) // PAGE
    lf = open(log, "a", buffering=1)
    fd = os.open(path, os.O_WRONLY)
    lf.write("R\n")
    for _ in range(rng.randint(100, 300)):
        count = rng.randint(1, 8)
        first = rng.randrange(pages - count)
        seeds = [rng.randrange(1 << 60) for _ in range(count)]
        lf.write("".join(f"P {first + k} {s}\n" for k, s in enumerate(seeds)))
        os.pwrite(fd, b"".join(content(s) for s in seeds), first * PAGE)
    os.fsync(fd)  # one flush for every write before it
    os.kill(pid, signal.SIGKILL)  # before anything held could land by itself
    lf.write("D\n")
    open(mark, "w").close()
    while True:  # the fd stays open: no close() flush before the kill
        time.sleep(1)


def check(log, path):
    durable, pending, uncertain = {}, {}, set()
    for line in open(log):
        w = line.split()
        if w and w[0] == "P" and len(w) == 3:
            pending[int(w[1])] = int(w[2])
            uncertain.discard(int(w[1]))
        elif w == ["D"]:
            durable.update(pending)
            pending.clear()
        elif w == ["R"]:
            uncertain.update(pending)  # old or new bytes, both fine
            pending.clear()
    uncertain.update(pending)  # the last writer's unsynced writes, too
    fd = os.open(path, os.O_RDONLY)
    bad = [p for p, s in durable.items() if p not in uncertain and os.pread(fd, PAGE, p * PAGE) != content(s)]
    if bad:
        print(f"{len(bad)} fsynced pages lost, first {sorted(bad)[:5]}")
        sys.exit(1)
    print(f"{len(durable)} fsynced pages checked")


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "burst":
        burst(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]))
    else:
        check(sys.argv[2], sys.argv[3])
