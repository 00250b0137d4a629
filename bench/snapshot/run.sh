#!/bin/bash
# Snapshot benchmark on the real udmd (not part of ctest), fio's nbd engine:
#   4 KiB random writes at QD32 to an origin (snapshot-origin) with 0, 1 and 4
#   persistent snapshots against a plain linear device on the same backing
#   file: "first" writes every block once (each write copies its chunk out),
#   "second" writes every block again (every chunk already copied);
#   1 MiB sequential reads of the one-snapshot case's snapshot (every chunk
#   then on the COW device) against the linear device;
#   the same over LVs that ulvm makes in the bench's udmd (rows "lv-..."):
#   a linear LV, and an LV with one `lvcreate -s` snapshot (lvm2's four
#   devices: -real, -cow, the snapshot and the snapshot-origin), compared
#   with the linear LV.
#
#   [BEFORE=OLD_BUILD_DIR] bench/snapshot/run.sh [BUILD_DIR]
# With BEFORE, every configuration runs on both builds one after the other
# in each round (rows "before:..." are the old build), so the comparison
# sees the same machine load.
# Environment: SIZE (origin MiB, 128), ROUNDS (3; medians are printed),
#   CHUNK (sectors, 8: lvm2's default 4 KiB), WORK (scratch,
#   /tmp/udm-snap-bench), OUT (JSON, $WORK/results.json),
#   UDMD_ARGS (extra udmd options, e.g. --snapshot-copy-throttle 50).
# Prints MB/s, ratios to linear (of the medians, and the median of each
# round's ratio to that round's linear run: "paired") and udmd's CPU time per I/O (which a loaded
# machine disturbs less than throughput); goals: one snapshot >= 0.5x linear
# on first writes and >= 0.9x once copied. WORK on tmpfs (/dev/shm) measures
# udm's own path; on a disk, each commit's two flushes (COW data, then its
# metadata area) are paid by the origin's write-back hold, not by each write,
# and the writes' time runs until the hold has emptied. See README.md.
set -euo pipefail

BUILD=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build}
SIZE=${SIZE:-128}
ROUNDS=${ROUNDS:-3}
CHUNK=${CHUNK:-8}
WORK=${WORK:-/tmp/udm-snap-bench}
OUT=${OUT:-$WORK/results.json}
BEFORE=${BEFORE:-}
UDMD=$BUILD/bin/udmd
UDMSETUP=$BUILD/bin/udmsetup
ULVM=$BUILD/bin/ulvm
for t in fio jq python3 "$UDMD" "$UDMSETUP" "$ULVM" ${BEFORE:+"$BEFORE/bin/udmd" "$BEFORE/bin/udmsetup" "$BEFORE/bin/ulvm"}; do command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }; done

mkdir -p "$WORK"
export UDM_RUNDIR=$WORK/run UDM_NO_AUTOSTART=1
# ulvm sees only the bench's PV file.
export UDM_LVM_CONFDIR=$WORK/lvmconf UDM_LVM_CONFIG=$WORK/lvm.conf
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
# The PV of the LV rows: the origin LV and its snapshot's COW LV, filled with
# random data once (so the LVs' blocks are allocated, as the origin file's).
COW_MIB=$(( (COW_SECTORS / 2048 + 4) / 4 * 4 + 4 ))
PV=$WORK/pv.img
PV_MIB=$((SIZE + COW_MIB + 8))
if [ ! -f "$PV" ] || [ "$(stat -c %s "$PV")" -ne $((PV_MIB << 20)) ]; then
  echo "making a ${PV_MIB} MiB PV of random data..." >&2
  head -c $((PV_MIB << 20)) /dev/urandom >"$PV"
fi
echo "devices = $PV" >"$UDM_LVM_CONFIG"

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
  # The previous run's dirty pages are written back first: left behind, they
  # would load the next run's flushes (on a disk, the later of two runs
  # would pay for the earlier one's writes).
  sync
  start_udmd
  rm -f "$WORK"/cow*.img
  if [ "$1" = lv ]; then
    # A new VG on the PV (its label and metadata wiped; the data stays).
    dd if=/dev/zero of="$PV" bs=1M count=1 conv=notrunc status=none
    "$ULVM" pvcreate -q "$PV" >/dev/null && "$ULVM" vgcreate -q bench "$PV" >/dev/null &&
      "$ULVM" lvcreate -q -L "${SIZE}M" -n dev bench >/dev/null || { echo "ulvm failed" >&2; exit 1; }
    if [ "$2" -gt 0 ]; then
      "$ULVM" lvcreate -q -s -c "$((CHUNK / 2))k" -L "${COW_MIB}M" -n snap0 bench/dev >/dev/null ||
        { echo "ulvm lvcreate -s failed" >&2; exit 1; }
    fi
    return
  fi
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

cpu_ticks() { awk '{print $14 + $15}' "/proc/$UDMD_PID/stat"; }
HZ=$(getconf CLK_TCK)

# fio_mb NAME DEV RW BS QD -> "MB/s udmd-µs-per-I/O" over the whole device (random map: each block once).
# Writes count the time until they have all reached the device under the
# origin: udmd may still hold some (the snapshot-origin's write-back hold),
# so the run ends with a suspend --noflush of DEV, which waits for them
# (and costs a linear device next to nothing).
fio_mb() {
  local before after t0 t1
  before=$(cpu_ticks)
  fio --name=b --rw="$3" --bs="$4" --iodepth="$5" --size=$((SIZE << 20)) --randrepeat=0 \
      --ioengine=nbd --uri="nbd+unix:///$2?socket=$UDM_RUNDIR/nbd.sock" \
      --output-format=json --output="$WORK/fio.json" >/dev/null 2>&1 || { echo "fio failed: $*" >&2; exit 1; }
  t0=$(date +%s%N)
  if [ "$3" != read ]; then
    "$UDMSETUP" suspend --noflush "$2" && "$UDMSETUP" resume "$2" || { echo "suspend/resume of $2 failed" >&2; exit 1; }
  fi
  t1=$(date +%s%N)
  after=$(cpu_ticks)
  jq -r --argjson cpu "$(( (after - before) * 1000000 / HZ ))" --argjson drain_ms "$(( (t1 - t0) / 1000000 ))" \
    '(.jobs[0].read.io_bytes + .jobs[0].write.io_bytes) as $bytes |
     ([.jobs[0].read.runtime, .jobs[0].write.runtime] | max) as $ms |
     ($bytes / 1e3 / ($ms + $drain_ms)) as $mb |
     (.jobs[0].read.total_ios + .jobs[0].write.total_ios) as $ios |
     "\($mb) \($cpu / $ios)"' "$WORK/fio.json"
}

RESULTS=$WORK/raw.tsv
: >"$RESULTS"
row() {
  set -- "$1" "$2" $3
  printf '%s\t%s%s\t%s\t%s\t%s\n' "$1" "$LABEL" "$2" "$3" "$4" "$round" >>"$RESULTS"
  echo "round $round: $1 $LABEL$2: $3 MB/s, udmd $4 us/IO" >&2
}

BUILDS=("$BUILD")
[ -z "$BEFORE" ] || BUILDS+=("$BEFORE")
for round in $(seq "$ROUNDS"); do
for cfg in "linear 0" "origin 0" "origin 1" "origin 4" "lv 0" "lv 1"; do
for build in "${BUILDS[@]}"; do
  UDMD=$build/bin/udmd UDMSETUP=$build/bin/udmsetup ULVM=$build/bin/ulvm LABEL=
  [ "$build" = "$BUILD" ] || LABEL=before:
  set -- $cfg
  name=$1; [ "$1" = origin ] && name="origin+$2snap"
  dev=dev snap=snap0
  if [ "$1" = lv ]; then
    dev=bench-dev snap=bench-snap0 name=lv-linear
    [ "$2" = 0 ] || name="lv-origin+$2snap"
  fi
  setup "$1" "$2"
  row randwrite-4k-qd32-first "$name" "$(fio_mb "$name" $dev randwrite 4k 32)"
  row randwrite-4k-qd32-second "$name" "$(fio_mb "$name" $dev randwrite 4k 32)"
  if [ "$cfg" = "linear 0" ] || [ "$cfg" = "lv 0" ]; then
    row read-1m-qd8 "$name" "$(fio_mb "$name" $dev read 1m 8)"
  elif [ "$cfg" = "origin 1" ] || [ "$cfg" = "lv 1" ]; then
    # Every chunk was copied: the snapshot reads it all from the COW device.
    sname=snapshot; [ "$1" = lv ] && sname=lv-snapshot
    row read-1m-qd8 "$sname" "$(fio_mb "$sname" $snap read 1m 8)"
  fi
  stop_udmd
done
done
done

python3 - "$RESULTS" "$OUT" "$SIZE" "$CHUNK" "$ROUNDS" <<'PY'
import json, statistics, sys
rows, by_round = {}, {}
for line in open(sys.argv[1]):
    w, c, mb, us, rnd = line.rstrip("\n").split("\t")
    rows.setdefault(w, {}).setdefault(c, []).append((float(mb), float(us)))
    by_round[(w, c, rnd)] = float(mb)
# Each round's ratio to the same build's linear device in that round (the
# machine's load drifts less within a round), then the median of those.
# The base of a row: the linear device of its family (LV rows: the linear LV).
def base_of(c):
    label, _, dev = c.rpartition(":")
    return (label + ":" if label else "") + ("lv-linear" if dev.startswith("lv-") else "linear")
def paired(w, c):
    base = base_of(c)
    v = [mb / by_round[(w2, base, r)] for (w2, c2, r), mb in by_round.items()
         if w2 == w and c2 == c and by_round.get((w2, base, r))]
    return statistics.median(v) if v else None
out = {"method": "udmd over NBD (fio nbd engine), page-cache backing files, medians of interleaved rounds",
       "origin_mib": int(sys.argv[3]), "chunk_sectors": int(sys.argv[4]), "rounds": int(sys.argv[5]), "rows": []}
med = {w: {c: (statistics.median(v[0] for v in vals), statistics.median(v[1] for v in vals))
           for c, vals in by.items()} for w, by in rows.items()}
print(f"{'workload':26} {'device':20} {'MB/s':>8} {'x linear':>8} {'paired':>8} {'udmd us/IO':>10}")
for w, by in med.items():
    for c, (mb, us) in by.items():
        base = by.get(base_of(c), (0, 0))[0]
        ratio = mb / base if base else None
        pr = paired(w, c)
        print(f"{w:26} {c:20} {mb:8.1f} {ratio:8.2f} {pr:8.2f} {us:10.1f}")
        out["rows"].append({"workload": w, "device": c, "mb_s": mb, "ratio_to_linear": ratio,
                            "paired_ratio_median": pr, "udmd_us_per_io": us})
first, second = med["randwrite-4k-qd32-first"], med["randwrite-4k-qd32-second"]
g1 = first["origin+1snap"][0] / first["linear"][0]
g2 = second["origin+1snap"][0] / second["linear"][0]
if "before:origin+1snap" in first:
    b1 = first["before:origin+1snap"][0] / first["before:linear"][0]
    b2 = second["before:origin+1snap"][0] / second["before:linear"][0]
    print(f"before: first writes {b1:.2f}x linear, once copied {b2:.2f}x")
    out["before"] = {"first_writes_ratio": b1, "copied_ratio": b2}
out["goals"] = {"first_writes_ratio": g1, "first_writes_goal": 0.5, "copied_ratio": g2, "copied_goal": 0.9,
                "met": g1 >= 0.5 and g2 >= 0.9}
print(f"one snapshot: first writes {g1:.2f}x linear (goal 0.5), once copied {g2:.2f}x (goal 0.9)")
if "lv-origin+1snap" in first:
    l1 = first["lv-origin+1snap"][0] / first["lv-linear"][0]
    l2 = second["lv-origin+1snap"][0] / second["lv-linear"][0]
    print(f"LVs made by ulvm, one snapshot: first writes {l1:.2f}x the linear LV, once copied {l2:.2f}x")
    out["goals"]["lv_first_writes_ratio"], out["goals"]["lv_copied_ratio"] = l1, l2
    if "before:lv-origin+1snap" in first:
        b1 = first["before:lv-origin+1snap"][0] / first["before:lv-linear"][0]
        b2 = second["before:lv-origin+1snap"][0] / second["before:lv-linear"][0]
        print(f"before, LVs: first writes {b1:.2f}x, once copied {b2:.2f}x")
        out["before"]["lv_first_writes_ratio"], out["before"]["lv_copied_ratio"] = b1, b2
json.dump(out, open(sys.argv[2], "w"), indent=2)
print(f"JSON: {sys.argv[2]}")
PY
