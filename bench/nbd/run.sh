#!/bin/bash
# NBD and FUSE export benchmark: udm vs nbdkit `file` vs qemu-nbd on the same
# image, fio's nbd engine, interleaved rounds with rotating order (PERF.md).
#
#   bench/nbd/run.sh [BUILD_DIR]
#   MODE=lv [BEFORE=OLD_BUILD_DIR] bench/nbd/run.sh [BUILD_DIR]
# MODE=bench (default): the in-process bench server (udm's exports over one
#   file) and the FUSE file against the raw file.
# MODE=lv: the real udmd (NBD on <rundir>/nbd.sock) serving an ulvm linear LV
#   on a file PV, beside nbdkit and qemu-nbd on the PV file; with BEFORE, a
#   second udmd + ulvm from an older build serves the same LV too ("udm-before"),
#   so one run compares the two builds round by round. 4 KiB random at QD1
#   and QD32, 1 MiB sequential.
# Environment: SIZE (image MiB, 1024), RUNTIME (s per run, 10), ROUNDS (3),
#   WORK (scratch dir, /tmp/udm-nbd-bench), OUT (JSON path, $WORK/results.json),
#   WORKLOADS (";"-separated "rw bs qd [connections]", e.g.
#   "randread 4k 1;randread 4k 1 4": with connections, fio runs that many
#   jobs, one NBD connection each), FUSE=1 (MODE=lv: udmd also mounts its
#   FUSE export, and "udm-fuse" runs the 4 KiB random rows on the LV's file
#   there with io_uring, against the NBD servers).
# Prints a table of medians with udm/best-peer ratios (and udm/udm-before)
# and CPU per I/O, and writes the same as JSON. Not a test: numbers depend on
# the machine's load.
set -euo pipefail

BUILD=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build}
MODE=${MODE:-bench}
BEFORE=${BEFORE:-}
SERVER=$BUILD/bin/udm_export_bench_server
SIZE=${SIZE:-1024}
RUNTIME=${RUNTIME:-10}
ROUNDS=${ROUNDS:-3}
WORK=${WORK:-/tmp/udm-nbd-bench}
OUT=${OUT:-$WORK/results.json}
needs=(fio nbdkit qemu-nbd jq bc)
case $MODE in
  bench) needs+=("$SERVER") ;;
  lv) needs+=("$BUILD/bin/udmd" "$BUILD/bin/ulvm")
      [ -z "$BEFORE" ] || needs+=("$BEFORE/bin/udmd" "$BEFORE/bin/ulvm") ;;
  *) echo "MODE is bench or lv" >&2; exit 1 ;;
esac
for t in "${needs[@]}"; do command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }; done

mkdir -p "$WORK"
IMG=$WORK/disk.img
# MODE=lv: the image is the PV; the LV's extents start at pe_start (1 MiB).
IMG_MIB=$SIZE
[ "$MODE" = lv ] && IMG_MIB=$((SIZE + 8))
if [ ! -f "$IMG" ] || [ "$(stat -c %s "$IMG")" -ne $((IMG_MIB << 20)) ]; then
  echo "making a ${IMG_MIB} MiB image of random data..." >&2
  head -c $((IMG_MIB << 20)) /dev/urandom >"$IMG"
fi

PIDS=()
DAEMONS=()  # "rundir build": udmds to stop (their LVs deactivated first)
cleanup() {
  set +e
  for d in "${DAEMONS[@]}"; do
    set -- $d
    UDM_RUNDIR=$1 UDM_LVM_CONFIG=$WORK/lvm.conf UDM_NO_AUTOSTART=1 "$2/bin/ulvm" vgchange -an vgb >/dev/null 2>&1
  done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for r in "$WORK/run" "$WORK"/run-*; do
    mountpoint -q "$r/dev" 2>/dev/null && { fusermount3 -u -z "$r/dev" || umount -l "$r/dev"; }
  done
  rm -f "$WORK"/*.sock "$WORK"/*.pid
}
trap cleanup EXIT

wait_socket() {
  local i
  for i in $(seq 100); do [ -S "$1" ] && return 0; sleep 0.1; done
  echo "server socket $1 did not appear" >&2
  exit 1
}

declare -A URI SRVPID
if [ "$MODE" = bench ]; then
  rm -rf "$WORK/run"
  "$SERVER" --rundir "$WORK/run" --backing "$IMG" --fuse >"$WORK/udm.log" 2>&1 &
  SRVPID[udm]=$!; PIDS+=($!)
  wait_socket "$WORK/run/nbd.sock"
  URI[udm]="nbd+unix:///bench?socket=$WORK/run/nbd.sock"
  CONTENDERS=(udm nbdkit qemu-nbd)
  DEFAULT_WORKLOADS="randread 4k 32;randwrite 4k 32;read 1m 8;write 1m 8"
else
  # One VG "vgb" with one linear LV "lvb" of SIZE MiB on the image, written
  # once by this build's ulvm; every udmd activates the same LV.
  export UDM_LVM_CONFIG=$WORK/lvm.conf
  echo "devices = $IMG" >"$UDM_LVM_CONFIG"
  if ! UDM_NO_AUTOSTART=1 "$BUILD/bin/ulvm" lvs vgb/lvb >/dev/null 2>&1; then
    UDM_NO_AUTOSTART=1 "$BUILD/bin/ulvm" vgcreate -y vgb "$IMG" >/dev/null
    UDM_NO_AUTOSTART=1 "$BUILD/bin/ulvm" lvcreate -an -L "${SIZE}M" -n lvb vgb >/dev/null
  fi
  CONTENDERS=(udm)
  builds=("udm $BUILD")
  [ -z "$BEFORE" ] || { builds+=("udm-before $BEFORE"); CONTENDERS+=(udm-before); }
  for b in "${builds[@]}"; do
    set -- $b
    run=$WORK/run-$1
    rm -rf "$run"
    fuse_arg=--no-fuse
    [ "${FUSE:-0}" = 1 ] && [ "$1" = udm ] && fuse_arg=
    "$2/bin/udmd" --rundir "$run" --foreground $fuse_arg >"$WORK/$1.log" 2>&1 &
    SRVPID[$1]=$!; PIDS+=($!); DAEMONS+=("$run $2")
    wait_socket "$run/control"
    UDM_RUNDIR=$run "$2/bin/ulvm" vgchange -ay vgb >/dev/null
    wait_socket "$run/nbd.sock"
    URI[$1]="nbd+unix:///vgb-lvb?socket=$run/nbd.sock"
  done
  CONTENDERS+=(nbdkit qemu-nbd)
  if [ "${FUSE:-0}" = 1 ]; then
    CONTENDERS+=(udm-fuse)
    SRVPID[udm-fuse]=${SRVPID[udm]}
    FUSE_FILE=$WORK/run-udm/dev/mapper/vgb-lvb
    for _ in $(seq 50); do [ -e "$FUSE_FILE" ] && break; sleep 0.1; done
    [ -e "$FUSE_FILE" ] || { echo "no FUSE file $FUSE_FILE" >&2; exit 1; }
  fi
  DEFAULT_WORKLOADS="randread 4k 1;randread 4k 32;randwrite 4k 1;randwrite 4k 32;read 1m 8;write 1m 8;randread 4k 1 4;randread 4k 32 4"
fi
IFS=';' read -r -a WORKLOADS <<<"${WORKLOADS:-$DEFAULT_WORKLOADS}"
# The peers, all on the same image, page cache (buffered).
nbdkit --unix "$WORK/nbdkit.sock" --pidfile "$WORK/nbdkit.pid" --foreground file file="$IMG" &
SRVPID[nbdkit]=$!; PIDS+=($!)
qemu-nbd --socket "$WORK/qemu.sock" -f raw --cache=writeback --aio=threads --shared=8 --persistent "$IMG" &
SRVPID[qemu-nbd]=$!; PIDS+=($!)
wait_socket "$WORK/nbdkit.sock"
wait_socket "$WORK/qemu.sock"
URI[nbdkit]="nbd+unix:///?socket=$WORK/nbdkit.sock"
URI[qemu-nbd]="nbd+unix:///?socket=$WORK/qemu.sock"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# run_fio RW BS QD JOBS ENGINE_ARGS... -> "iops bytes_per_s fio_cpu_pct clat_p50_us clat_p99_us"
# (each fio job of the nbd engine opens its own connection)
run_fio() {
  local rw=$1 bs=$2 qd=$3 jobs=$4; shift 4
  fio --name=b --rw="$rw" --bs="$bs" --iodepth="$qd" --numjobs="$jobs" --runtime="$RUNTIME" --time_based \
      --size=$((SIZE << 20)) --randrepeat=0 --norandommap --group_reporting \
      --output-format=json --output="$WORK/fio.json" "$@" >/dev/null 2>&1
  jq -r '.jobs[0] as $j | ($j.read.iops > $j.write.iops) as $r | ($j | if $r then .read else .write end) as $d |
         [$j.read.iops + $j.write.iops, $j.read.bw_bytes + $j.write.bw_bytes, $j.usr_cpu + $j.sys_cpu,
          (($d.clat_ns.percentile["50.000000"] // 0) / 1000), (($d.clat_ns.percentile["99.000000"] // 0) / 1000)]
         | @tsv' "$WORK/fio.json"
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
      jobs=${4:-1}
      if [ "$c" = udm-fuse ]; then
        # The FUSE file: 4 KiB random rows only, one job, io_uring.
        [ "$2" = 4k ] && [ "$jobs" = 1 ] || continue
        # --direct=1: io_uring runs buffered writes to one regular file one
        # at a time (hashed io-wq work), which would make QD32 a QD1; the
        # export is direct_io anyway, so O_DIRECT changes nothing else.
        engine=(--ioengine=io_uring --direct=1 --filename="$FUSE_FILE")
      else
        engine=(--ioengine=nbd --uri="${URI[$c]}")
      fi
      before=$(cpu_ticks "${SRVPID[$c]}")
      read -r iops bps fcpu p50 p99 < <(run_fio "$1" "$2" "$3" "$jobs" "${engine[@]}")
      after=$(cpu_ticks "${SRVPID[$c]}")
      scpu=$(echo "($after - $before) / $HZ / $RUNTIME" | bc -l)
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$c" "$iops" "$bps" "$scpu" "$fcpu" "$p50" "$p99" >>"$RESULTS"
      echo "round $round: $w $c: $(printf '%.0f' "$iops") IOPS, server $(printf '%.2f' "$scpu") cores" >&2
      case $1 in *write*) sync ;; esac
    done
  done
  # FUSE file vs the raw file, 1 MiB sequential, buffered, io_uring.
  [ "$MODE" = bench ] || continue
  for rw in read write; do
    for c in raw fuse; do
      f=$IMG; [ $c = fuse ] && f=$WORK/run/dev/mapper/bench
      before=$(cpu_ticks "${SRVPID[udm]}")
      read -r iops bps fcpu p50 p99 < <(run_fio "$rw" 1m 8 1 --ioengine=io_uring --filename="$f")
      after=$(cpu_ticks "${SRVPID[udm]}")
      scpu=$(echo "($after - $before) / $HZ / $RUNTIME" | bc -l)
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "fuse-$rw 1m 8" "$c" "$iops" "$bps" "$scpu" "$fcpu" "$p50" "$p99" >>"$RESULTS"
      echo "round $round: $rw 1m $c: $(printf '%.0f' "$bps") B/s" >&2
      [ $rw = write ] && sync
    done
  done
done

python3 - "$RESULTS" "$OUT" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    w, c, iops, bps, scpu, fcpu, p50, p99 = line.rstrip("\n").split("\t")
    rows.setdefault(w, {}).setdefault(c, []).append(
        (float(iops), float(bps), float(scpu), float(fcpu), float(p50), float(p99)))
out = {"method": "fio nbd engine, medians of interleaved rounds, page cache", "rows": []}
print("ratio: udm / best peer on udm's row; udm / udm-before on udm-before's row")
print(f"{'workload':22} {'contender':10} {'IOPS':>9} {'MB/s':>8} {'srv cores':>9} {'srv µs/IO':>9} "
      f"{'p50 µs':>8} {'p99 µs':>8} {'ratio':>6} {'lat':>5}")
for w, by in rows.items():
    med = {c: {"iops": statistics.median(v[0] for v in vals),
               "mb_s": statistics.median(v[1] for v in vals) / 1e6,
               "server_cores": statistics.median(v[2] for v in vals),
               "client_cpu_pct": statistics.median(v[3] for v in vals),
               "lat_p50_us": statistics.median(v[4] for v in vals),
               "lat_p99_us": statistics.median(v[5] for v in vals)} for c, vals in by.items()}
    for m in med.values():
        m["server_us_per_io"] = m["server_cores"] * 1e6 / m["iops"] if m["iops"] else None
    ours = "fuse" if w.startswith("fuse-") else "udm"
    peers = [c for c in med if c not in (ours, "udm-before", "udm-fuse")]
    best = max(peers, key=lambda c: med[c]["iops"])
    ratio = med[ours]["iops"] / med[best]["iops"] if med[best]["iops"] else None
    # Latency: ours against nbdkit's median (below 1: ours is quicker).
    lat = (med[ours]["lat_p50_us"] / med["nbdkit"]["lat_p50_us"]
           if "nbdkit" in med and med["nbdkit"]["lat_p50_us"] else None)
    fuse = med.get("udm-fuse")
    vs_fuse = fuse["iops"] / med[best]["iops"] if fuse and med[best]["iops"] else None
    before = med.get("udm-before")
    vs_before = med[ours]["iops"] / before["iops"] if before and before["iops"] else None
    for c, m in med.items():
        r = f"{ratio:.2f}" if c == ours and ratio else ""
        if c == "udm-before" and vs_before: r = f"{vs_before:.2f}"
        if c == "udm-fuse" and vs_fuse: r = f"{vs_fuse:.2f}"
        us = f"{m['server_us_per_io']:.1f}" if m["server_us_per_io"] else "-"
        l = f"{lat:.2f}" if c == ours and lat else ""
        print(f"{w:22} {c:10} {m['iops']:9.0f} {m['mb_s']:8.0f} {m['server_cores']:9.2f} {us:>9} "
              f"{m['lat_p50_us']:8.1f} {m['lat_p99_us']:8.1f} {r:>6} {l:>5}")
    out["rows"].append({"workload": w, "contenders": med, "ours": ours, "best_peer": best, "ratio": ratio,
                        "ratio_to_before": vs_before, "lat_p50_vs_nbdkit": lat, "fuse_vs_best_nbd": vs_fuse})
# Multi-conn: N connections against one, same rw/bs/qd, per contender.
for w, by in rows.items():
    f = w.split()
    if len(f) == 4 and " ".join(f[:3]) in rows:
        one = rows[" ".join(f[:3])]
        for c in by:
            if c in one:
                a = statistics.median(v[0] for v in by[c])
                b = statistics.median(v[0] for v in one[c])
                if b:
                    print(f"multi-conn {w:22} {c:10} {a / b:.2f}x of 1 connection")
                    out.setdefault("multi_conn", []).append({"workload": w, "contender": c, "ratio_to_1": a / b})
json.dump(out, open(sys.argv[2], "w"), indent=2)
print(f"JSON: {sys.argv[2]}")
PY
