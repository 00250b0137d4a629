#!/usr/bin/env bash
# Configures and builds one CMake preset (default: "default").
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-default}
# ccache hits across checkouts in other folders (CI clones anew each run).
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$(nproc)"
