#!/bin/bash
# thin vs linear on the same backing file through the real udmd (not part of
# ctest): bench/thin/run.sh [BUILD_DIR] [bench_thin.py options, e.g. --json out.json]
set -euo pipefail
build=${1:-$(dirname "$0")/../../build}
shift || true
for t in fio python3; do command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }; done
exec python3 "$(dirname "$0")/bench_thin.py" "$build" "$@"
