#!/usr/bin/env bash
# Sets up, builds and runs every test: the normal build, the same suite under
# ASan+UBSan, and the I/O-path concurrency tests under TSan.
#   UDM_TEST_SANITIZERS=0  skips the ASan and TSan passes (quick local runs)
#   UDM_TEST_DEB=0         skips the .deb step (build, dpkg -i, smoke test, purge)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/setup.sh

echo "== build (default)"
scripts/build.sh default
echo "== test (default)"
ctest --preset default -j"$jobs" --timeout 900 -LE '^deb$'
if [ "${UDM_TEST_DEB:-1}" != 0 ]; then
  echo "== package (.deb: build, dpkg -i, smoke test, dpkg --purge)"
  UDM_TEST_DEB=1 ctest --preset default --timeout 900 -L '^deb$'
fi

if [ "${UDM_TEST_SANITIZERS:-1}" != 0 ]; then
  echo "== build (asan)"
  scripts/build.sh asan
  echo "== test (asan + ubsan)"
  ctest --preset asan -j"$jobs" --timeout 900 -LE no_asan
  echo "== build (tsan: the I/O path)"
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan -j"$jobs" --target udm_core_tests udm_targets_tests udm_io_tests fault_targets_test udm_exports_tests
  echo "== test (tsan: I/O-path concurrency)"
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    ctest --preset tsan -j"$jobs" --timeout 900 -R '^(core|targets|io|fault_targets|exports)\.'
fi
