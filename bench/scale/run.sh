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
udmd=$(find "$build" -name udmd -type f -perm -u+x | head -1)
[ -n "$driver" ] && [ -n "$udmd" ] || { echo "build udmd and udm-bench-scale first" >&2; exit 1; }
counts=${UDM_SCALE_COUNTS:-1000 10000}

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
  "$udmd" --rundir "$rundir" --foreground ${UDM_SCALE_UDMD_ARGS:-} >"$tmp/udmd.log" 2>&1 &
  pid=$!
  for ((i=0; i<200; i++)); do [ -S "$rundir/control" ] && break; sleep 0.05; done
  mountpoint -q "$rundir/dev" || echo "warning: the FUSE export is not mounted" >&2
  # The driver pauses nothing: RSS is read by a second pass (create only) below.
  rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  out=$(UDM_SCALE_PID=$pid "$driver" "$rundir" "$n" a)
  # RSS with all N devices present: create them again and read /proc.
  UDM_NO_AUTOSTART=1 "$driver" "$rundir" "$n" b --keep >/dev/null 2>&1 || true
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
  fuse_count=$( (ls "$rundir/dev/mapper" 2>/dev/null || true) | wc -l)
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=
  grep -qF " $rundir/dev " /proc/mounts && umount -l "$rundir/dev"
  rm -rf "$rundir"
  rows+=("$(python3 - "$out" "$rss_before" "$rss" "$threads" "$fuse_count" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
n = r["devices"]
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
print(json.dumps(doc, indent=1))
PY
)
echo "$json"
[ -z "${UDM_SCALE_JSON:-}" ] || echo "$json" >"$UDM_SCALE_JSON"
