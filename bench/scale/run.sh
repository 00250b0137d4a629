#!/usr/bin/env bash
# Control plane at scale with udmd's default exports (FUSE + NBD):
# create+load+resume, rename, ls and remove of N devices one after the other
# through libudm in one process, at each count in $UDM_SCALE_COUNTS
# (default "1000 10000"); udmd's RSS (VmRSS, /proc) with all N devices up.
# Prints one JSON document (also written to $UDM_SCALE_JSON if set).
#   bench/scale/run.sh [BUILD_DIR]      (as root, /dev/fuse present)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
case $build in /*) ;; *) build=$PWD/$build ;; esac  # another checkout's build: an absolute path
driver=$(find "$build" -name udm-bench-scale -type f -perm -u+x | head -1)
piped=$(find "$build" -name udm-bench-scale-pipelined -type f -perm -u+x | head -1)
udmd=$(find "$build" -name udmd -type f -perm -u+x | head -1)
[ -n "$driver" ] && [ -n "$udmd" ] || { echo "build udmd and udm-bench-scale first" >&2; exit 1; }
counts=${UDM_SCALE_COUNTS:-1000 10000}
# No loop device per mapped device (udmd's block devices, on by default as
# root): 10,000 loop devices are the whole machine's, and their cost is the
# kernel's, not the control plane's. UDM_SCALE_BLOCK_DEVICES=1 measures them.
blockdev_arg=--no-block-devices
[ "${UDM_SCALE_BLOCK_DEVICES:-0}" = 1 ] && blockdev_arg=

# The run directory on tmpfs, as /run/udm is on a real host: udmd writes a
# record file per device there, and on a busy ext4 creating files costs more
# than everything else measured here. UDM_SCALE_TMP picks another place.
base=${UDM_SCALE_TMP:-/dev/shm}
[ -d "$base" ] || base=/tmp
tmp=$(mktemp -d "$base/udm-scale.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi
  grep -qF " $tmp/run/dev " /proc/mounts && umount -l "$tmp/run/dev"
  rm -rf "$tmp"
}
trap cleanup EXIT

rows=()
for n in $counts; do
  rundir=$tmp/run
  mkdir -p "$rundir"
  "$udmd" --rundir "$rundir" --foreground $blockdev_arg ${UDM_SCALE_UDMD_ARGS:-} >"$tmp/udmd.log" 2>&1 &
  pid=$!
  for ((i=0; i<200; i++)); do [ -S "$rundir/control" ] && break; sleep 0.05; done
  mountpoint -q "$rundir/dev" || echo "warning: the FUSE export is not mounted" >&2
  # The driver pauses nothing: RSS is read by a second pass (create only) below.
  rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  out=$(UDM_SCALE_PID=$pid "$driver" "$rundir" "$n" a)
  # The same N by a client that pipelines (create+load+resume of 512 devices in flight).
  piped_out='{}'
  [ -z "$piped" ] || piped_out=$(UDM_SCALE_PID=$pid "$piped" "$rundir" "$n" q)
  # RSS with all N devices present: create them again and read /proc.
  UDM_NO_AUTOSTART=1 "$driver" "$rundir" "$n" b --keep >/dev/null 2>&1 || true
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
  fuse_count=$( (ls "$rundir/dev/mapper" 2>/dev/null || true) | wc -l)
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=
  grep -qF " $rundir/dev " /proc/mounts && umount -l "$rundir/dev"
  rm -rf "$rundir"
  rows+=("$(python3 - "$out" "$rss_before" "$rss" "$threads" "$fuse_count" "$piped_out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
n = r["devices"]
p = json.loads(sys.argv[6])
if p:
    r["pipelined_create_s"] = p["create_s"]
    r["pipelined_remove_s"] = p["remove_s"]
    r["pipelined_udmd_cpu_create_s"] = p["udmd_cpu_create_s"]
    r["pipelined_create_per_s"] = round(n / p["create_s"], 1)
    r["pipelined_create_ms_each"] = round(p["create_s"] * 1000 / n, 4)
r["create_per_s"] = round(n / r["create_s"], 1)
r["create_ms_each"] = round(r["create_s"] * 1000 / n, 4)
r["rename_ms_each"] = round(r["rename_s"] * 1000 / n, 4)
r["remove_ms_each"] = round(r["remove_s"] * 1000 / n, 4)
r["udmd_rss_idle_kib"] = int(sys.argv[2])
r["udmd_rss_kib"] = int(sys.argv[3])
r["udmd_threads"] = int(sys.argv[4])
r["fuse_entries"] = int(sys.argv[5])
print(json.dumps(r))
PY
)")
done
json=$(BASE=$base python3 - "${rows[@]}" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
import os
doc = {"bench": "scale", "exports": "default (FUSE + NBD)", "rundir_base": os.environ.get("BASE", ""), "rows": rows}
if len(rows) >= 2:
    doc["ms_each_ratio_last_vs_first"] = round(rows[-1]["create_ms_each"] / rows[0]["create_ms_each"], 3)
    if "pipelined_create_ms_each" in rows[0] and "pipelined_create_ms_each" in rows[-1]:
        doc["pipelined_ms_each_ratio_last_vs_first"] = round(
            rows[-1]["pipelined_create_ms_each"] / rows[0]["pipelined_create_ms_each"], 3)
print(json.dumps(doc, indent=1))
PY
)
echo "$json"
[ -z "${UDM_SCALE_JSON:-}" ] || echo "$json" >"$UDM_SCALE_JSON"
