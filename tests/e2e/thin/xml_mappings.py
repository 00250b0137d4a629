#!/usr/bin/env python3
"""Prints thin_dump XML's devices and mappings as udm-thin-meta prints them:
"device D N" (N = number of mapped blocks), then "map D V B" for each block."""
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
for dev in sorted(root.findall("device"), key=lambda d: int(d.get("dev_id"))):
    d = int(dev.get("dev_id"))
    maps = {}
    for m in dev:
        if m.tag == "single_mapping":
            maps[int(m.get("origin_block"))] = int(m.get("data_block"))
        elif m.tag == "range_mapping":
            o, b, n = int(m.get("origin_begin")), int(m.get("data_begin")), int(m.get("length"))
            for i in range(n):
                maps[o + i] = b + i
    if int(dev.get("mapped_blocks")) != len(maps):
        print(f"device {d}: mapped_blocks={dev.get('mapped_blocks')} but {len(maps)} mappings", file=sys.stderr)
        sys.exit(1)
    print(f"device {d} {len(maps)}")
    for v in sorted(maps):
        print(f"map {d} {v} {maps[v]}")
