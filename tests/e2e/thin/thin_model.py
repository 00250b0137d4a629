#!/usr/bin/env python3
"""The e2e thin workload and its independent model: what every thin device
must read back, block by block (64 KiB blocks), kept in a JSON state file.

  write STATE DEV FILE SEED N     N random writes to FILE (a thin's FUSE file)
  snap STATE NEW ORIGIN           model of create_snap NEW ORIGIN
  discard STATE DEV FILE V N      punch blocks V..V+N-1 (the FUSE file's fallocate -> discard)
  delete STATE DEV
  readback STATE DEV FILE         FILE reads exactly what the model says
  verify STATE DUMP DATA          thin_dump's mappings: per device exactly the model's
                                  written blocks, each data block holding the model's
                                  bytes; snapshot blocks never written since are shared
  restore-xml SEED XML DATA       an XML pool for thin_restore and its data file
  restore-check XML DATA DEV FILE a thin of the restored pool reads what XML + DATA say
"""
import hashlib
import json
import os
import random
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xml_mappings import device_mappings  # noqa: E402

BLOCK = 64 * 1024


def load(path):
    if not os.path.exists(path):
        return {"devs": {}, "blocks": {}}
    with open(path) as f:
        return json.load(f)


def save(path, st):
    with open(path, "w") as f:
        json.dump(st, f)


def blob_dir(state_path):
    d = state_path + ".blocks"
    os.makedirs(d, exist_ok=True)
    return d


def put_blob(state_path, data):
    h = hashlib.sha1(data).hexdigest()
    p = os.path.join(blob_dir(state_path), h)
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(data)
    return h


def get_blob(state_path, h):
    with open(os.path.join(blob_dir(state_path), h), "rb") as f:
        return f.read()


def unshare(st, dev, v):
    """Block v of dev was written or discarded: it shares nothing any more."""
    st["devs"][dev]["origin"].pop(str(v), None)
    for d in st["devs"].values():
        if d["origin"].get(str(v)) == dev:
            del d["origin"][str(v)]


def expected_device(state_path, st, dev, size):
    out = bytearray(size)
    for v, h in st["devs"].get(dev, {}).get("map", {}).items():
        off = int(v) * BLOCK
        if off < size:
            out[off:off + BLOCK] = get_blob(state_path, h)[: size - off]
    return out


def main():
    cmd = sys.argv[1]
    if cmd == "write":
        sp, dev, path, seed, n = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
        st = load(sp)
        d = st["devs"].setdefault(dev, {"map": {}, "origin": {}})
        rng = random.Random(seed)
        size = os.path.getsize(path)
        fd = os.open(path, os.O_WRONLY)
        for _ in range(n):
            length = rng.choice([4096, 8192, 65536, 3 * 4096, 131072, 20480])
            off = rng.randrange(0, (size - length) // 4096) * 4096
            data = rng.randbytes(length)
            os.pwrite(fd, data, off)
            pos = off
            while pos < off + length:
                v = pos // BLOCK
                in_off = pos % BLOCK
                k = min(BLOCK - in_off, off + length - pos)
                cur = bytearray(get_blob(sp, d["map"][str(v)]) if str(v) in d["map"] else bytes(BLOCK))
                cur[in_off:in_off + k] = data[pos - off:pos - off + k]
                d["map"][str(v)] = put_blob(sp, bytes(cur))
                unshare(st, dev, v)
                pos += k
        os.fsync(fd)
        os.close(fd)
        save(sp, st)
    elif cmd == "snap":
        sp, new, origin = sys.argv[2:5]
        st = load(sp)
        o = st["devs"][origin]
        st["devs"][new] = {"map": dict(o["map"]), "origin": {v: origin for v in o["map"]}}
        # The origin's blocks are now shared too: its writes will copy.
        save(sp, st)
    elif cmd == "discard":
        sp, dev, path, v0, n = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
        st = load(sp)
        d = st["devs"][dev]
        os.system(f"fallocate -p -o {v0 * BLOCK} -l {n * BLOCK} {path}")
        for v in range(v0, v0 + n):
            d["map"].pop(str(v), None)
            unshare(st, dev, v)
        save(sp, st)
    elif cmd == "delete":
        sp, dev = sys.argv[2:4]
        st = load(sp)
        del st["devs"][dev]
        for d in st["devs"].values():
            d["origin"] = {v: o for v, o in d["origin"].items() if o != dev}
        save(sp, st)
    elif cmd == "readback":
        sp, dev, path = sys.argv[2:5]
        st = load(sp)
        with open(path, "rb") as f:
            got = f.read()
        want = expected_device(sp, st, dev, len(got))
        if got != want:
            bad = next(i for i in range(len(got)) if got[i] != want[i])
            sys.exit(f"device {dev}: byte {bad} (block {bad // BLOCK}) differs from the model")
    elif cmd == "verify":
        sp, dump, data = sys.argv[2:5]
        st = load(sp)
        dumped = device_mappings(ET.parse(dump).getroot())
        if sorted(dumped) != sorted(st["devs"]):
            sys.exit(f"devices: dumped {sorted(dumped)}, model {sorted(st['devs'])}")
        with open(data, "rb") as f:
            databytes = f.read()
        for dev, d in st["devs"].items():
            want = sorted(int(v) for v in d["map"])
            got = sorted(dumped[dev])
            if want != got:
                sys.exit(f"device {dev}: mapped blocks {got[:20]}... model {want[:20]}...")
            for v, b in dumped[dev].items():
                if databytes[b * BLOCK:(b + 1) * BLOCK] != get_blob(sp, d["map"][str(v)]):
                    sys.exit(f"device {dev}: block {v} -> data block {b} holds other bytes than written")
            for v, o in d["origin"].items():
                if o in dumped and int(v) in dumped[o] and dumped[o][int(v)] != dumped[dev][int(v)]:
                    sys.exit(f"device {dev}: block {v} was never written since the snapshot but is not shared")
        print("mappings ok:", {k: len(v) for k, v in dumped.items()})
    elif cmd == "restore-xml":
        seed, xml, data = int(sys.argv[2]), sys.argv[3], sys.argv[4]
        rng = random.Random(seed)
        nr = 256
        with open(data, "wb") as f:
            for b in range(nr):
                f.write(hashlib.sha256(f"{seed}:{b}".encode()).digest() * (BLOCK // 32))
        free = list(range(nr))
        rng.shuffle(free)
        devs = {1: {}, 2: {}}
        for v in rng.sample(range(200), 60):
            devs[1][v] = free.pop()
        for v, b in devs[1].items():  # device 2 shares half of device 1's blocks
            if rng.random() < 0.5:
                devs[2][v] = b
        for v in rng.sample(range(200, 256), 20):
            devs[2][v] = free.pop()
        lines = [f'<superblock uuid="" time="1" transaction="3" flags="0" version="2" data_block_size="128" nr_data_blocks="{nr}">']
        for d, m in devs.items():
            lines.append(f'  <device dev_id="{d}" mapped_blocks="{len(m)}" transaction="0" creation_time="0" snap_time="1">')
            for v in sorted(m):
                lines.append(f'    <single_mapping origin_block="{v}" data_block="{m[v]}" time="0"/>')
            lines.append("  </device>")
        lines.append("</superblock>")
        with open(xml, "w") as f:
            f.write("\n".join(lines) + "\n")
    elif cmd == "restore-check":
        xml, data, dev, path = sys.argv[2:6]
        root = ET.parse(xml).getroot()
        with open(data, "rb") as f:
            databytes = f.read()
        with open(path, "rb") as f:
            got = f.read()
        want = bytearray(len(got))
        for d in root.findall("device"):
            if d.get("dev_id") != dev:
                continue
            for m in d:
                v, b = int(m.get("origin_block")), int(m.get("data_block"))
                want[v * BLOCK:(v + 1) * BLOCK] = databytes[b * BLOCK:(b + 1) * BLOCK]
        if got != want:
            bad = next(i for i in range(len(got)) if got[i] != want[i])
            sys.exit(f"restored device {dev}: byte {bad} (block {bad // BLOCK}) differs")
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
