#!/bin/bash
# Device limits reach the exports: nbdinfo --json shows a device over a
# 4 KiB-sector loop device with block_size_minimum 4096 and one over a plain
# file with 512; trim is offered over a file and not by a zero device; the
# FUSE file's st_blksize (stat %o) is the preferred I/O size.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup nbdinfo losetup stat

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for losetup"; exit 77; }
start_daemon
SOCK=$UDM_RUNDIR/nbd.sock
sparse_file "$E2E_TMP/k.img" 16M
K=$(attach_loop -b 4096 "$E2E_TMP/k.img") || { echo "SKIP: losetup -b 4096 failed"; exit 77; }
udmsetup create k4 --table "0 32768 linear $K 0"
sparse_file "$E2E_TMP/f.img" 16M
udmsetup create f512 --table "0 32768 linear $E2E_TMP/f.img 0"
udmsetup create z --table "0 32768 zero"
striped_device st

# field NAME JSON: the value of "NAME" in nbdinfo's JSON output.
field() { sed -n "s/.*\"$1\": *\([^,}]*\).*/\1/p" <<<"$2" | head -1; }
info() { nbdinfo --json "nbd+unix:///$1?socket=$SOCK"; }

k=$(info k4)
expect_eq "$(field block_size_minimum "$k")" 4096 "k4 block_size_minimum"
expect_eq "$(field block_size_preferred "$k")" 4096 "k4 block_size_preferred"
expect_eq "$(field block_size_maximum "$k")" 33554432 "k4 block_size_maximum"
f=$(info f512)
expect_eq "$(field block_size_minimum "$f")" 512 "f512 block_size_minimum"
expect_eq "$(field can_trim "$f")" true "f512 can_trim"
expect_eq "$(field can_zero "$f")" true "f512 can_zero"
z=$(info z)
expect_eq "$(field block_size_minimum "$z")" 512 "zero block_size_minimum"
expect_eq "$(field can_trim "$z")" false "zero can_trim"
expect_eq "$(field can_zero "$z")" false "zero can_zero"
s=$(info st)
# Two 64 KiB stripes: io_opt 128 KiB is the preferred size.
expect_eq "$(field block_size_preferred "$s")" 131072 "striped block_size_preferred"

if [ -w /dev/fuse ]; then
  M=$UDM_RUNDIR/dev/mapper
  wait_for_file "$M/k4"
  expect_eq "$(stat -c %o "$M/k4")" 4096 "k4 st_blksize"
  expect_eq "$(stat -c %o "$M/f512")" 512 "f512 st_blksize"
  expect_eq "$(stat -c %o "$M/st")" 131072 "striped st_blksize"
  # An unaligned write on the 4 KiB device: read-modify-write of whole
  # 4 KiB blocks keeps the bytes around it.
  head -c 16384 /dev/urandom >"$E2E_TMP/pattern"
  dd if="$E2E_TMP/pattern" of="$M/k4" bs=16384 count=1 conv=notrunc,fsync status=none
  printf 'hello' | dd of="$M/k4" bs=1 seek=4100 conv=notrunc,fsync status=none
  printf 'hello' | dd of="$E2E_TMP/pattern" bs=1 seek=4100 conv=notrunc status=none
  expect_eq "$(head -c 16384 "$M/k4" | md5sum)" "$(md5sum <"$E2E_TMP/pattern")" "k4 after an unaligned write"
fi

# A reload that swaps in other limits shows at the next handshake.
udmsetup reload f512 --table "0 32768 zero"
udmsetup resume f512
expect_eq "$(field can_trim "$(info f512)")" false "f512 can_trim after reload to zero"
echo PASS
