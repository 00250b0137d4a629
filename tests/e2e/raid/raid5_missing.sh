#!/bin/bash
# raid5_ls on three files: a pattern written through the FUSE file; the
# device removed, one data file replaced by zeroes and its slot given as
# `- -`: every byte reads back right (sha256), status A-A; then a fresh file
# in that slot with `rebuild 1` is recovered, and with leg 0 missing next
# the data still reads right from the rebuilt leg and parity.
. "$UDM_E2E_LIB"
requires udmd udmsetup dd sha256sum python3
export UDM_NO_AUTOSTART=1
start_fuse_daemon
dev="$UDM_RUNDIR/dev/mapper"
T=$E2E_TMP
for f in m0 m1 m2 m3; do sparse_file "$T/$f" 1M; done
for f in d0 d1 d2 d3; do sparse_file "$T/$f" 16M; done
SECTORS=65536   # two data legs of 16 MiB
status() { udmsetup status r5 | cut -d' ' -f4-; }
wait_status() {
  local i
  for ((i=0; i<600; i++)); do [ "$(status)" = "$1" ] && return 0; sleep 0.05; done
  fail "status: expected [$1], got [$(status)]"
}
table() { echo "0 $SECTORS raid raid5_ls $1 $2"; }

udmsetup create r5 --table "$(table "3 128 region_size 1024" "3 $T/m0 $T/d0 $T/m1 $T/d1 $T/m2 $T/d2")"
wait_status "raid5_ls 3 AAA 32768/32768 idle 0 0 -"
head -c 32M /dev/urandom >"$T/pattern"
dd if="$T/pattern" of="$dev/r5" bs=1M oflag=direct conv=notrunc status=none
want=$(sha256sum <"$T/pattern" | cut -d' ' -f1)
expect_eq "$(sha256sum <"$dev/r5" | cut -d' ' -f1)" "$want" "raid5 read back"
udmsetup remove r5

# Leg 1's data gone: zeroes in its place, and the slot missing.
dd if=/dev/zero of="$T/d1" bs=1M count=16 conv=notrunc status=none
udmsetup create r5 --table "$(table "3 128 region_size 1024" "3 $T/m0 $T/d0 - - $T/m2 $T/d2")"
expect_eq "$(status)" "raid5_ls 3 A-A 32768/32768 idle 0 0 -" "status with a missing leg"
expect_eq "$(sha256sum <"$dev/r5" | cut -d' ' -f1)" "$want" "degraded raid5 read back"

# A fresh leg rebuilt in slot 1.
udmsetup load r5 --table "$(table "5 128 region_size 1024 rebuild 1" "3 $T/m0 $T/d0 $T/m3 $T/d3 $T/m2 $T/d2")"
udmsetup suspend r5
udmsetup resume r5
wait_status "raid5_ls 3 AAA 32768/32768 idle 0 0 -"
udmsetup remove r5
udmsetup create r5 --table "$(table "3 128 region_size 1024" "3 - - $T/m3 $T/d3 $T/m2 $T/d2")"
expect_eq "$(sha256sum <"$dev/r5" | cut -d' ' -f1)" "$want" "raid5 read back from the rebuilt leg"
udmsetup remove r5
echo PASS
