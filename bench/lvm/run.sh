#!/bin/bash
# ulvm vs real lvm2 (not part of ctest): bench/lvm/run.sh [BUILD_DIR] [bench_lvm.py options]
# With BUILD_DIR/bin/udm-bench-lvm-stages it also prints the CPU time of each
# metadata stage (parse, import, validation, export, report) at --big LVs.
set -euo pipefail
build=${1:-/work/main/build}
shift || true
exec python3 "$(dirname "$0")/bench_lvm.py" "$build/bin/ulvm" "$@"
