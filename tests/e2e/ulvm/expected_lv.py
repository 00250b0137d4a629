#!/usr/bin/env python3
"""Print to stdout the bytes an LV should read, composed from its PVs with the
extent arithmetic of LVM2-FORMAT.md §9 (independent of ulvm's table code).
Input: `ulvm lvs --noheadings --separator '|' --units s --nosuffix
-o seg_start,seg_size,stripes,stripe_size,devices,segtype VG/LV` on stdin, and
the PV paths' pe_start in sectors as argv[1]. Extent size in sectors: argv[2]."""
import sys

pe_start = int(sys.argv[1]) * 512
extent = int(sys.argv[2]) * 512
out = sys.stdout.buffer
for line in sys.stdin:
    start, size, stripes, stripe_size, devices, segtype = [f.strip() for f in line.split('|')]
    size = int(size) * 512
    if segtype in ("zero", "error"):
        out.write(b"\0" * size)
        continue
    areas = []
    for d in devices.split(','):
        path, pe = d[:-1].split('(')
        areas.append((path, pe_start + int(pe) * extent))
    n = len(areas)
    files = {p: open(p, 'rb') for p, _ in areas}
    if n == 1:
        f = files[areas[0][0]]
        f.seek(areas[0][1])
        out.write(f.read(size))
        continue
    chunk = int(stripe_size) * 512
    for c in range(size // chunk):
        path, base = areas[c % n]
        f = files[path]
        f.seek(base + (c // n) * chunk)
        out.write(f.read(chunk))
