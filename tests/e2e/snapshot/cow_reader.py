#!/usr/bin/env python3
"""An independent reader of a persistent snapshot's COW device, written from
the kernel's documented layout (Documentation/admin-guide/device-mapper/
snapshot.rst and the comments of dm-snap-persistent), not from udm's parser:

  chunk 0     header: le32 magic 0x70416e53 ("SnAp"), le32 valid, le32 version
              (1), le32 chunk size in 512-byte sectors
  then areas: one metadata chunk of chunk_size*512/16 records
              {le64 old_chunk, le64 new_chunk}, followed by that many data
              chunks; area i's metadata chunk is 1 + i * (records + 1). The
              records end at the first new_chunk of 0; a full area is followed
              by the next.

  cow_reader.py check COW --view IMG [--origin ORIGIN] [--chunks LIST] [--chunk N]
    COW      the COW device (a file)
    IMG      what the snapshot must show (the origin as it was when the
             snapshot was taken, with any writes to the snapshot on top):
             every exception's data chunk must equal IMG's chunk
    ORIGIN   the origin now: every chunk where it differs from IMG must have
             an exception (else the snapshot would read the new data)
    LIST     a file of origin chunk numbers, one a line: the exceptions must
             be exactly these
    N        the chunk size (sectors) the header must give
  Prints "areas=A exceptions=E allocated=S" (S: sectors up to the highest
  data chunk, as the kernel's status counts them) and exits 1 naming the first
  thing that is wrong."""
import struct
import sys

MAGIC = 0x70416e53


def fail(msg):
    print(f"COW check failed: {msg}", file=sys.stderr)
    sys.exit(1)


def decode(cow):
    """-> (header dict, [(old, new), ...] in disk order, areas read)"""
    size = len(cow)
    if size < 16:
        fail("COW device smaller than a header")
    magic, valid, version, chunk = struct.unpack_from("<IIII", cow, 0)
    hdr = {"magic": magic, "valid": valid, "version": version, "chunk": chunk}
    if magic != MAGIC:
        fail(f"magic 0x{magic:08x}, not 0x{MAGIC:08x}")
    if version != 1:
        fail(f"version {version}, not 1")
    if chunk == 0 or chunk & (chunk - 1):
        fail(f"chunk size {chunk} is not a power of two")
    cb = chunk * 512
    per = cb // 16
    chunks = size // cb
    records, areas = [], 0
    olds, news = set(), set()
    while True:
        meta = 1 + areas * (per + 1)
        if meta >= chunks:
            fail(f"area {areas} at chunk {meta} is past the end ({chunks} chunks): a full area must be followed by one")
        areas += 1
        n = 0
        for i in range(per):
            old, new = struct.unpack_from("<QQ", cow, meta * cb + i * 16)
            if new == 0:
                break
            where = f"area {areas - 1} record {i} ({old} -> {new})"
            if new >= chunks:
                fail(f"{where}: COW chunk past the end")
            if new == 0 or (new - 1) % (per + 1) == 0:
                fail(f"{where}: COW chunk is the header or a metadata area")
            if old in olds:
                fail(f"{where}: origin chunk {old} has two exceptions")
            if new in news:
                fail(f"{where}: COW chunk {new} used twice")
            olds.add(old)
            news.add(new)
            records.append((old, new))
            n += 1
        if n < per:
            return hdr, records, areas


def main():
    args = sys.argv[1:]
    if not args or args[0] != "check" or len(args) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cow_path = args[1]
    opts = dict(zip(args[2::2], args[3::2]))
    cow = open(cow_path, "rb").read()
    hdr, records, areas = decode(cow)
    if hdr["valid"] != 1:
        fail(f"header says invalid (valid = {hdr['valid']})")
    if "--chunk" in opts and hdr["chunk"] != int(opts["--chunk"]):
        fail(f"chunk size {hdr['chunk']}, expected {opts['--chunk']}")
    cb = hdr["chunk"] * 512
    view = open(opts["--view"], "rb").read()
    for old, new in records:
        want = view[old * cb:(old + 1) * cb]
        if not want:
            fail(f"exception for origin chunk {old}, past the end of the origin")
        got = cow[new * cb:new * cb + len(want)]
        if got != want:
            fail(f"origin chunk {old}: COW chunk {new} does not hold the snapshot's data (half copied?)")
    mapped = {old for old, _ in records}
    if "--origin" in opts:
        origin = open(opts["--origin"], "rb").read()
        for c in range(0, (len(origin) + cb - 1) // cb):
            if origin[c * cb:(c + 1) * cb] != view[c * cb:(c + 1) * cb] and c not in mapped:
                fail(f"origin chunk {c} changed but has no exception")
    if "--chunks" in opts:
        want = {int(w) for w in open(opts["--chunks"]).read().split()}
        if want - mapped:
            fail(f"chunks written but without an exception: {sorted(want - mapped)[:10]}")
        if mapped - want:
            fail(f"exceptions for chunks never written: {sorted(mapped - want)[:10]}")
    # The next free chunk, stepping over a metadata chunk, as the status counts.
    per = cb // 16
    nxt = max((new for _, new in records), default=1) + 1
    if (nxt - 1) % (per + 1) == 0:
        nxt += 1
    print(f"areas={areas} exceptions={len(records)} allocated={nxt * hdr['chunk']}")


if __name__ == "__main__":
    main()
