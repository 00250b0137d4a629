#!/bin/bash
# Runs the C API test in a fresh run directory; libudm starts udmd itself
# there (autostart), and this script stops it afterwards, pass or fail.
set -u
bin=$1
dir=$(mktemp -d /tmp/udm-capi.XXXXXX)
cleanup() {
  "$bin/udmsetup" --rundir "$dir/run" daemon stop >/dev/null 2>&1
  rm -rf "$dir"
}
trap cleanup EXIT
"$bin/udm_c_api_test" "$dir/run"
