#!/usr/bin/env python3
"""Writes a thin_dump-style XML pool for thin_restore: several devices, runs
and single blocks, snapshots sharing data blocks with their origins."""
import random
import sys

random.seed(int(sys.argv[1]))
nr_data = 50000
used = set()
def fresh():
    while True:
        b = random.randrange(nr_data)
        if b not in used:
            used.add(b)
            return b

devs = {}
for d in (1, 2, 5):
    m = {}
    v = 0
    while len(m) < 1500:
        v += random.randint(1, 20)
        if random.random() < 0.3:
            # a run of consecutive data blocks
            n = random.randint(2, 30)
            start = random.randrange(nr_data - n)
            if any(start + i in used for i in range(n)):
                continue
            for i in range(n):
                used.add(start + i)
                m[v + i] = start + i
            v += n
        else:
            m[v] = fresh()
    devs[d] = m
# snapshot of 2 with some blocks overwritten
snap = dict(devs[2])
for v in random.sample(sorted(snap), 200):
    snap[v] = fresh()
devs[7] = snap
# two more plain copies: blocks mapped four times need the overflow ref-count tree
devs[8] = dict(devs[2])
devs[9] = dict(snap)

print(f'<superblock uuid="" time="3" transaction="11" flags="0" version="2" data_block_size="128" nr_data_blocks="{nr_data}">')
for d, m in sorted(devs.items()):
    print(f'  <device dev_id="{d}" mapped_blocks="{len(m)}" transaction="0" creation_time="0" snap_time="2">')
    for v in sorted(m):
        print(f'    <single_mapping origin_block="{v}" data_block="{m[v]}" time="1"/>')
    print('  </device>')
print('</superblock>')
