#!/usr/bin/env bash
# Installs what udm needs to build and test on Debian 12 (run as root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  # build
  g++ cmake ninja-build pkg-config ccache clang-16 libclang-rt-16-dev
  # libraries
  liburing-dev libfuse3-dev libnbd-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libssl-dev libgnutls28-dev libsanlock-dev
  # runtime and the outside tools that judge udm in tests
  fuse3 util-linux e2fsprogs lvm2 dmsetup thin-provisioning-tools qemu-utils libnbd-bin nbdkit fio
  cryptsetup-bin
  # shared VGs: the sanlock daemon, and lvm2's lvmlockd as the other host in tests
  sanlock lvm2-lockd
  # packaging: man -l checks, the .deb (CPack runs dpkg-shlibdeps and file)
  man-db groff-base dpkg-dev file
  # ulvm vgmap: xmllint checks its SVG, rsvg-convert renders docs/vgmap.png
  libxml2-utils librsvg2-bin
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
