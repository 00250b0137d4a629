#!/bin/bash
# Runs the C API test against a udmd of its own in a fresh run directory
# (no FUSE, no NBD), stopped afterwards, pass or fail.
set -u
bin=$1
dir=$(mktemp -d /tmp/udm-capi.XXXXXX)
"$bin/udmd" --rundir "$dir/run" --foreground --no-fuse --no-nbd >"$dir/udmd.log" 2>&1 &
pid=$!
cleanup() {
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
for ((i = 0; i < 200; i++)); do
  [ -S "$dir/run/control" ] && break
  sleep 0.05
done
UDM_NO_AUTOSTART=1 "$bin/udm_c_api_test" "$dir/run"
