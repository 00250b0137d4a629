#!/usr/bin/env python3
"""Decrypts dm-crypt aes-xts-plain64 sectors without udm: XTS (IEEE 1619)
built from AES-ECB done by the openssl command (whose `enc` has no XTS).

xts_decrypt.py KEYHEX SECTOR_SIZE FIRST_IV IV_STEP IN OUT
  FIRST_IV: the IV number of the first sector; IV_STEP: added per sector
  (sector_size/512, or 1 with iv_large_sectors)."""
import subprocess
import sys


def ecb(key: bytes, data: bytes, decrypt: bool) -> bytes:
    cmd = ["openssl", "enc", "-aes-%d-ecb" % (len(key) * 8), "-nopad", "-K", key.hex()]
    if decrypt:
        cmd.insert(2, "-d")
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE, check=True).stdout


def main() -> None:
    key = bytes.fromhex(sys.argv[1])
    sector, first_iv, step = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    data = open(sys.argv[5], "rb").read()
    k1, k2 = key[: len(key) // 2], key[len(key) // 2:]
    count = len(data) // sector
    ivs = b"".join((first_iv + i * step).to_bytes(8, "little") + bytes(8) for i in range(count))
    t0 = ecb(k2, ivs, False)
    mask = (1 << 128) - 1
    tweaks = bytearray()
    for i in range(count):
        t = int.from_bytes(t0[16 * i:16 * i + 16], "little")
        for _ in range(sector // 16):
            tweaks += t.to_bytes(16, "little")
            t = ((t << 1) & mask) ^ (0x87 if t >> 127 else 0)
    tw = int.from_bytes(tweaks, "little")
    n = len(data)
    mixed = (int.from_bytes(data, "little") ^ tw).to_bytes(n, "little")
    plain = (int.from_bytes(ecb(k1, mixed, True), "little") ^ tw).to_bytes(n, "little")
    open(sys.argv[6], "wb").write(plain)


main()
