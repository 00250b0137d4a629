#!/bin/bash
# Snapshot benchmark on the real udmd (not part of ctest), fio's nbd engine:
#   4 KiB random writes at QD32 to an origin (snapshot-origin) with 0, 1 and 4
#   persistent snapshots against a plain linear device on the same backing
#   file: "first" writes every block once (each write copies its chunk out),
#   "second" writes every block again (every chunk already copied);
#   1 MiB sequential reads of a snapshot (half its chunks on the COW device)
#   against the linear device.
#
#   bench/snapshot/run.sh [BUILD_DIR]
# Environment: SIZE (origin MiB, 256), CHUNK (sectors, 8: lvm2's default
#   4 KiB), WORK (scratch, /tmp/udm-snap-bench), OUT (JSON, $WORK/results.json),
#   UDMD_ARGS (extra udmd options, e.g. --snapshot-copy-throttle 50).
# Prints MB/s and ratios to linear; goals: one snapshot >= 0.5x linear on
# first writes and >= 0.9x once copied. Numbers depend on the machine's load.
set -euo pipefail

BUILD=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build}
SIZE=${SIZE:-256}
CHUNK=${CHUNK:-8}
WORK=${WORK:-/tmp/udm-snap-bench}
OUT=${OUT:-$WORK/results.json}
UDMD=$BUILD/bin/udmd
UDMSETUP=$BUILD/bin/udmsetup
for t in fio jq python3 "$UDMD" "$UDMSETUP"; do command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }; done

mkdir -p "$WORK"
export UDM_RUNDIR=$WORK/run UDM_NO_AUTOSTART=1
UDMD_PID=
cleanup() {
  set +e
  if [ -n "$UDMD_PID" ]; then kill "$UDMD_PID" 2>/dev/null; wait "$UDMD_PID" 2>/dev/null; fi
  rm -f "$WORK"/cow*.img
}
trap cleanup EXIT

ORIGIN=$WORK/origin.img
if [ ! -f "$ORIGIN" ] || [ "$(stat -c %s "$ORIGIN")" -ne $((SIZE << 20)) ]; then
  echo "making a ${SIZE} MiB origin of random data..." >&2
  head -c $((SIZE << 20)) /dev/urandom >"$ORIGIN"
fi
SECTORS=$((SIZE << 11))
# Room for every chunk plus the metadata areas (one per chunk*512/16 chunks).
COW_SECTORS=$((SECTORS + SECTORS / (CHUNK * 32) + 4 * CHUNK + 2048))

start_udmd() {
  rm -rf "$UDM_RUNDIR"
  # shellcheck disable=SC2086
  "$UDMD" --rundir "$UDM_RUNDIR" --foreground --no-fuse ${UDMD_ARGS:-} >"$WORK/udmd.log" 2>&1 &
  UDMD_PID=$!
  for _ in $(seq 100); do [ -S "$UDM_RUNDIR/nbd.sock" ] && "$UDMSETUP" daemon status >/dev/null 2>&1 && return; sleep 0.1; done
  echo "udmd did not start" >&2; cat "$WORK/udmd.log" >&2; exit 1
}
stop_udmd() { kill "$UDMD_PID"; wait "$UDMD_PID" 2>/dev/null || true; UDMD_PID=; }

# setup KIND N: the device "dev" (linear, or snapshot-origin with N snapshots snap0..)
setup() {
  start_udmd
  rm -f "$WORK"/cow*.img
  if [ "$1" = linear ]; then
    "$UDMSETUP" create dev --table "0 $SECTORS linear $ORIGIN 0"
    return
  fi
  for ((k=0; k<$2; k++)); do
    truncate -s $((COW_SECTORS * 512)) "$WORK/cow$k.img"
    "$UDMSETUP" create "snap$k" --table "0 $SECTORS snapshot $ORIGIN $WORK/cow$k.img P $CHUNK"
  done
  "$UDMSETUP" create dev --table "0 $SECTORS snapshot-origin $ORIGIN"
}

# fio_mb NAME RW BS QD -> MB/s over the whole device (random map: each block once)
fio_mb() {
  fio --name=b --rw="$3" --bs="$4" --iodepth="$5" --size=$((SIZE << 20)) --randrepeat=0 \
      --ioengine=nbd --uri="nbd+unix:///$2?socket=$UDM_RUNDIR/nbd.sock" \
      --output-format=json --output="$WORK/fio.json" >/dev/null 2>&1 || { echo "fio failed: $*" >&2; exit 1; }
  jq -r '(.jobs[0].read.bw_bytes + .jobs[0].write.bw_bytes) / 1e6' "$WORK/fio.json"
}

RESULTS=$WORK/raw.tsv
: >"$RESULTS"
row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; echo "$1 $2: $3 MB/s" >&2; }

for cfg in "linear 0" "origin 0" "origin 1" "origin 4"; do
  set -- $cfg
  name=$1; [ "$1" = origin ] && name="origin+$2snap"
  setup "$1" "$2"
  row randwrite-4k-qd32-first "$name" "$(fio_mb "$name" dev randwrite 4k 32)"
  row randwrite-4k-qd32-second "$name" "$(fio_mb "$name" dev randwrite 4k 32)"
  if [ "$cfg" = "linear 0" ]; then
    row read-1m-qd8 linear "$(fio_mb linear dev read 1m 8)"
  elif [ "$cfg" = "origin 1" ]; then
    # Half the chunks of the snapshot on the COW device: rewrite the origin's
    # first half once more is not needed; the snapshot's view of the whole
    # origin comes from the COW (every chunk was copied) - read it all.
    row read-1m-qd8 snapshot "$(fio_mb snapshot snap0 read 1m 8)"
    "$UDMSETUP" status snap0 >&2
  fi
  stop_udmd
done

python3 - "$RESULTS" "$OUT" "$SIZE" "$CHUNK" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    w, c, mb = line.rstrip("\n").split("\t")
    rows.setdefault(w, {})[c] = float(mb)
out = {"method": "udmd over NBD (fio nbd engine), page-cache backing files, one run",
       "origin_mib": int(sys.argv[3]), "chunk_sectors": int(sys.argv[4]), "rows": []}
print(f"{'workload':26} {'device':14} {'MB/s':>8} {'x linear':>8}")
for w, by in rows.items():
    base = by.get("linear")
    for c, mb in by.items():
        ratio = mb / base if base else None
        print(f"{w:26} {c:14} {mb:8.1f} {ratio:8.2f}")
        out["rows"].append({"workload": w, "device": c, "mb_s": mb, "ratio_to_linear": ratio})
goals = {"first": by1 if (by1 := rows.get("randwrite-4k-qd32-first", {})) else {},
         "second": rows.get("randwrite-4k-qd32-second", {})}
g1 = goals["first"].get("origin+1snap", 0) / goals["first"]["linear"]
g2 = goals["second"].get("origin+1snap", 0) / goals["second"]["linear"]
out["goals"] = {"first_writes_ratio": g1, "first_writes_goal": 0.5, "copied_ratio": g2, "copied_goal": 0.9,
                "met": g1 >= 0.5 and g2 >= 0.9}
print(f"one snapshot: first writes {g1:.2f}x linear (goal 0.5), once copied {g2:.2f}x (goal 0.9)")
json.dump(out, open(sys.argv[2], "w"), indent=2)
print(f"JSON: {sys.argv[2]}")
PY
