#!/usr/bin/env bash
# Sets up, builds and runs every test: the normal build, the same suite under
# ASan+UBSan, and the I/O-path concurrency tests under TSan.
#   UDM_TEST_SANITIZERS=0  skips the ASan and TSan passes (quick local runs)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/setup.sh

echo "== build (default)"
scripts/build.sh default
echo "== test (default)"
ctest --preset default -j"$jobs" --timeout 900

if [ "${UDM_TEST_SANITIZERS:-1}" != 0 ]; then
  echo "== build (asan)"
  scripts/build.sh asan
  echo "== test (asan + ubsan)"
  ctest --preset asan -j"$jobs" --timeout 900 -LE no_asan
  echo "== build (tsan)"
  scripts/build.sh tsan
  echo "== test (tsan: I/O-path concurrency)"
  ctest --preset tsan -j"$jobs" --timeout 900 -L tsan
fi
