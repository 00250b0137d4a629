#!/bin/bash
# NBD and FUSE export benchmark: udm vs nbdkit `file` vs qemu-nbd on the same
# image, fio's nbd engine, interleaved rounds with rotating order (PERF.md).
#
#   bench/nbd/run.sh [BUILD_DIR]
# Environment: SIZE (image MiB, 1024), RUNTIME (s per run, 10), ROUNDS (3),
#   WORK (scratch dir, /tmp/udm-nbd-bench), OUT (JSON path, $WORK/results.json).
# Prints a table of medians with udm/best-peer ratios and CPU per I/O, and
# writes the same as JSON. Not a test: numbers depend on the machine's load.
set -euo pipefail

BUILD=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build}
SERVER=$BUILD/bin/udm_export_bench_server
SIZE=${SIZE:-1024}
RUNTIME=${RUNTIME:-10}
ROUNDS=${ROUNDS:-3}
WORK=${WORK:-/tmp/udm-nbd-bench}
OUT=${OUT:-$WORK/results.json}
for t in fio nbdkit qemu-nbd jq "$SERVER"; do command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }; done

mkdir -p "$WORK"
IMG=$WORK/disk.img
if [ ! -f "$IMG" ] || [ "$(stat -c %s "$IMG")" -ne $((SIZE << 20)) ]; then
  echo "making a ${SIZE} MiB image of random data..." >&2
  head -c $((SIZE << 20)) /dev/urandom >"$IMG"
fi

PIDS=()
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  mountpoint -q "$WORK/run/dev" && { fusermount3 -u -z "$WORK/run/dev" || umount -l "$WORK/run/dev"; }
  rm -f "$WORK"/*.sock "$WORK"/*.pid
}
trap cleanup EXIT

# Servers: one of each, all on the same image, all page-cache (buffered).
rm -rf "$WORK/run"
"$SERVER" --rundir "$WORK/run" --backing "$IMG" --fuse >"$WORK/udm.log" 2>&1 &
UDM_PID=$!; PIDS+=($UDM_PID)
nbdkit --unix "$WORK/nbdkit.sock" --pidfile "$WORK/nbdkit.pid" --foreground file file="$IMG" &
NBDKIT_PID=$!; PIDS+=($NBDKIT_PID)
qemu-nbd --socket "$WORK/qemu.sock" -f raw --cache=writeback --aio=threads --shared=8 --persistent "$IMG" &
QEMU_PID=$!; PIDS+=($QEMU_PID)
for s in "$WORK/run/nbd.sock" "$WORK/nbdkit.sock" "$WORK/qemu.sock"; do
  for i in $(seq 100); do [ -S "$s" ] && break; sleep 0.1; done
  [ -S "$s" ] || { echo "server socket $s did not appear" >&2; exit 1; }
done

declare -A URI=(
  [udm]="nbd+unix:///bench?socket=$WORK/run/nbd.sock"
  [nbdkit]="nbd+unix:///?socket=$WORK/nbdkit.sock"
  [qemu-nbd]="nbd+unix:///?socket=$WORK/qemu.sock"
)
declare -A SRVPID=([udm]=$UDM_PID [nbdkit]=$NBDKIT_PID [qemu-nbd]=$QEMU_PID)
WORKLOADS=("randread 4k 32" "randwrite 4k 32" "read 1m 8" "write 1m 8")
CONTENDERS=(udm nbdkit qemu-nbd)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# run_fio NAME RW BS QD TARGET ENGINE_ARGS... -> "iops bytes_per_s fio_cpu_pct"
run_fio() {
  local rw=$1 bs=$2 qd=$3; shift 3
  fio --name=b --rw="$rw" --bs="$bs" --iodepth="$qd" --runtime="$RUNTIME" --time_based \
      --size=$((SIZE << 20)) --randrepeat=0 --norandommap --group_reporting \
      --output-format=json --output="$WORK/fio.json" "$@" >/dev/null 2>&1
  jq -r '[.jobs[0].read.iops + .jobs[0].write.iops,
          .jobs[0].read.bw_bytes + .jobs[0].write.bw_bytes,
          .jobs[0].usr_cpu + .jobs[0].sys_cpu] | @tsv' "$WORK/fio.json"
}

RESULTS=$WORK/raw.tsv
: >"$RESULTS"
for round in $(seq "$ROUNDS"); do
  for w in "${WORKLOADS[@]}"; do
    # Rotate the order each round so no contender always runs first.
    n=${#CONTENDERS[@]}
    for k in $(seq 0 $((n - 1))); do
      c=${CONTENDERS[$(((k + round) % n))]}
      set -- $w
      before=$(cpu_ticks "${SRVPID[$c]}")
      read -r iops bps fcpu < <(run_fio "$1" "$2" "$3" --ioengine=nbd --uri="${URI[$c]}")
      after=$(cpu_ticks "${SRVPID[$c]}")
      scpu=$(echo "($after - $before) / $HZ / $RUNTIME" | bc -l)
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$iops" "$bps" "$scpu" "$fcpu" >>"$RESULTS"
      echo "round $round: $w $c: $(printf '%.0f' "$iops") IOPS, server $(printf '%.2f' "$scpu") cores" >&2
      case $1 in *write*) sync ;; esac
    done
  done
  # FUSE file vs the raw file, 1 MiB sequential, buffered, io_uring.
  for rw in read write; do
    for c in raw fuse; do
      f=$IMG; [ $c = fuse ] && f=$WORK/run/dev/mapper/bench
      before=$(cpu_ticks "$UDM_PID")
      read -r iops bps fcpu < <(run_fio "$rw" 1m 8 --ioengine=io_uring --filename="$f")
      after=$(cpu_ticks "$UDM_PID")
      scpu=$(echo "($after - $before) / $HZ / $RUNTIME" | bc -l)
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "fuse-$rw 1m 8" "$c" "$iops" "$bps" "$scpu" "$fcpu" >>"$RESULTS"
      echo "round $round: $rw 1m $c: $(printf '%.0f' "$bps") B/s" >&2
      [ $rw = write ] && sync
    done
  done
done

python3 - "$RESULTS" "$OUT" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    w, c, iops, bps, scpu, fcpu = line.rstrip("\n").split("\t")
    rows.setdefault(w, {}).setdefault(c, []).append((float(iops), float(bps), float(scpu), float(fcpu)))
out = {"method": "fio nbd engine, medians of interleaved rounds, page cache", "rows": []}
print(f"{'workload':22} {'contender':9} {'IOPS':>9} {'MB/s':>8} {'srv cores':>9} {'srv µs/IO':>9} {'ratio':>6}")
for w, by in rows.items():
    med = {c: {"iops": statistics.median(v[0] for v in vals),
               "mb_s": statistics.median(v[1] for v in vals) / 1e6,
               "server_cores": statistics.median(v[2] for v in vals),
               "client_cpu_pct": statistics.median(v[3] for v in vals)} for c, vals in by.items()}
    for m in med.values():
        m["server_us_per_io"] = m["server_cores"] * 1e6 / m["iops"] if m["iops"] else None
    ours = "fuse" if w.startswith("fuse-") else "udm"
    peers = [c for c in med if c != ours]
    best = max(peers, key=lambda c: med[c]["iops"])
    ratio = med[ours]["iops"] / med[best]["iops"] if med[best]["iops"] else None
    for c, m in med.items():
        r = f"{ratio:.2f}" if c == ours and ratio else ""
        us = f"{m['server_us_per_io']:.1f}" if m["server_us_per_io"] else "-"
        print(f"{w:22} {c:9} {m['iops']:9.0f} {m['mb_s']:8.0f} {m['server_cores']:9.2f} {us:>9} {r:>6}")
    out["rows"].append({"workload": w, "contenders": med, "ours": ours, "best_peer": best, "ratio": ratio})
json.dump(out, open(sys.argv[2], "w"), indent=2)
print(f"JSON: {sys.argv[2]}")
PY
