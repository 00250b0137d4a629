#!/bin/bash
# ulvm vs real lvm2 (not part of ctest): bench/lvm/run.sh [BUILD_DIR] [bench_lvm.py options]
set -euo pipefail
build=${1:-/work/main/build}
shift || true
exec python3 "$(dirname "$0")/bench_lvm.py" "$build/bin/ulvm" "$@"
