#!/bin/bash
# raid1 (2 legs) against linear through the real udmd, over NBD with fio:
# 4 KiB random read and write at QD32 and 1 MiB sequential write at QD8,
# interleaved rounds, medians, ratios raid1/linear; then the resync rate of
# a new raid1 set against a raw O_DIRECT copy of one leg (dd, 1 MiB blocks:
# what the copier's chunked copy can reach on this disk).
#
#   bench/raid/run.sh [BUILD_DIR]
# Environment: SIZE (MiB per leg, 512), RUNTIME (s per run, 8), ROUNDS (3),
#   WORK (scratch dir, /tmp/udm-raid-bench), OUT (JSON, $WORK/results.json).
# Not a test: numbers depend on the machine's load.
set -euo pipefail

BUILD=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build}
SIZE=${SIZE:-512}
RUNTIME=${RUNTIME:-8}
ROUNDS=${ROUNDS:-3}
WORK=${WORK:-/tmp/udm-raid-bench}
OUT=${OUT:-$WORK/results.json}
export PATH="$BUILD/bin:$PATH" UDM_RUNDIR="$WORK/run" UDM_NO_AUTOSTART=1
for t in fio python3 udmd udmsetup; do command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }; done

mkdir -p "$WORK"
rm -rf "$WORK/run"
mkdir -p "$WORK/run"
for f in lin d0 d1 s0 s1; do rm -f "$WORK/$f.img"; truncate -s "${SIZE}M" "$WORK/$f.img"; done
for f in m0 m1 n0 n1; do rm -f "$WORK/$f.img"; truncate -s 4M "$WORK/$f.img"; done
# Allocated files, so reads hit the disk path rather than holes.
for f in lin d0 d1; do dd if=/dev/zero of="$WORK/$f.img" bs=1M count="$SIZE" conv=notrunc status=none; done

udmd --rundir "$WORK/run" --foreground --no-fuse >"$WORK/udmd.log" 2>&1 &
UDMD=$!
cleanup() { set +e; udmsetup remove_all >/dev/null 2>&1; kill "$UDMD" 2>/dev/null; wait "$UDMD" 2>/dev/null; }
trap cleanup EXIT
for i in $(seq 100); do [ -S "$WORK/run/nbd.sock" ] && break; sleep 0.1; done

SECTORS=$((SIZE * 2048))
udmsetup create lin --table "0 $SECTORS linear $WORK/lin.img 0"
udmsetup create r1 --table "0 $SECTORS raid raid1 2 0 nosync 2 $WORK/m0.img $WORK/d0.img $WORK/m1.img $WORK/d1.img"

WORKLOADS=("randread 4k 32" "randwrite 4k 32" "write 1m 8")
declare -A RESULTS
run_fio() {  # dev rw bs depth -> IOPS
  fio --name=b --ioengine=nbd --uri="nbd+unix:///$1?socket=$WORK/run/nbd.sock" --rw="$2" --bs="$3" \
    --iodepth="$4" --size="${SIZE}M" --time_based --runtime="$RUNTIME" --output-format=json 2>/dev/null |
    python3 -c "
import json, sys
t = sys.stdin.read()  # fio's nbd engine prints a line before the JSON
j = json.loads(t[t.index('{'):])['jobs'][0]
print(j['read']['iops'] + j['write']['iops'])"
}
for ((round=0; round<ROUNDS; round++)); do
  for w in "${WORKLOADS[@]}"; do
    read -r rw bs depth <<<"$w"
    order=(lin r1); ((round % 2)) && order=(r1 lin)
    for dev in "${order[@]}"; do
      iops=$(run_fio "$dev" "$rw" "$bs" "$depth")
      RESULTS["$dev $w"]+="$iops "
      echo "round $round $dev $w: $iops IOPS" >&2
    done
  done
done

# Resync: a new set without nosync, timed to idle.
start=$(date +%s.%N)
udmsetup create rs --table "0 $SECTORS raid raid1 1 0 2 $WORK/n0.img $WORK/s0.img $WORK/n1.img $WORK/s1.img"
until udmsetup status rs | grep -q " idle "; do sleep 0.05; done
resync_s=$(python3 -c "import time; print(time.time() - $start)")
# The same copy by dd into a fresh sparse file (as the resync wrote into one).
rm -f "$WORK/raw.img"; truncate -s "${SIZE}M" "$WORK/raw.img"
start=$(date +%s.%N)
dd if="$WORK/s0.img" of="$WORK/raw.img" bs=1M iflag=direct oflag=direct conv=notrunc status=none
raw_s=$(python3 -c "import time; print(time.time() - $start)")

{
  for k in "${!RESULTS[@]}"; do echo "$k|${RESULTS[$k]}"; done
} | python3 -c "
import json, statistics, sys
size, resync_s, raw_s, out = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
med = {}
for line in sys.stdin:
    key, vals = line.rstrip('\n').split('|')
    med[key] = statistics.median(float(v) for v in vals.split())
res = {'size_mib': size, 'workloads': {}}
for w in ['randread 4k 32', 'randwrite 4k 32', 'write 1m 8']:
    lin, r1 = med['lin ' + w], med['r1 ' + w]
    res['workloads'][w] = {'linear_iops': round(lin), 'raid1_iops': round(r1), 'ratio': round(r1 / lin, 3)}
res['resync_mib_s'] = round(size / resync_s, 1)
res['raw_copy_mib_s'] = round(size / raw_s, 1)
res['resync_ratio'] = round(raw_s / resync_s, 3)
print(json.dumps(res, indent=1))
json.dump(res, open(out, 'w'), indent=1)
" "$SIZE" "$resync_s" "$raw_s" "$OUT"
