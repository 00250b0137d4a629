#!/usr/bin/env bash
# Builds the .deb from this tree: a package build (prefix /usr, multiarch
# libdir, no tests) in build-deb/ (or $1), then CPack's DEB generator.
# Prints the path of the .deb as the last line.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$PWD/build-deb}
# ccache hits across checkouts in other folders, as scripts/build.sh.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DUDM_BUILD_TESTS=OFF >/dev/null
cmake --build "$out" -j"$(nproc)"
rm -f "$out"/udm_*.deb
(cd "$out" && cpack -G DEB >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log" >&2; exit 1; }
ls "$out"/udm_*.deb
