#!/usr/bin/env python3
"""Prints thin_dump XML's devices and mappings as udm-thin-meta prints them:
"device D N" (N = number of mapped blocks), then "map D V B" for each block.
thin_model.py imports device_mappings() from here."""
import sys
import xml.etree.ElementTree as ET


def device_mappings(root):
    """{dev_id (str): {virtual block: data block}} of a thin_dump XML root;
    exits when a device's mapped_blocks differs from its mappings."""
    out = {}
    for dev in root.findall("device"):
        maps = {}
        for m in dev:
            if m.tag == "single_mapping":
                maps[int(m.get("origin_block"))] = int(m.get("data_block"))
            elif m.tag == "range_mapping":
                o, b, n = int(m.get("origin_begin")), int(m.get("data_begin")), int(m.get("length"))
                for i in range(n):
                    maps[o + i] = b + i
        if int(dev.get("mapped_blocks")) != len(maps):
            sys.exit(f"device {dev.get('dev_id')}: mapped_blocks={dev.get('mapped_blocks')} "
                     f"but {len(maps)} mappings")
        out[dev.get("dev_id")] = maps
    return out


if __name__ == "__main__":
    mappings = device_mappings(ET.parse(sys.argv[1]).getroot())
    for d in sorted(mappings, key=int):
        maps = mappings[d]
        print(f"device {d} {len(maps)}")
        for v in sorted(maps):
            print(f"map {d} {v} {maps[v]}")
