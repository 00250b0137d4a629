#!/bin/bash
# raid1 with two legs on files: a pattern written through the FUSE file is on
# both leg files; leg 1 (under a linear device) is switched to `error` while
# a writer runs: the writer sees no error, the status shows D and the
# superblock on leg 0's metadata records it; a reload with a fresh leg and
# `rebuild 1` recovers it: legs equal, status AA idle.
. "$UDM_E2E_LIB"
requires udmd udmsetup dd sha256sum cmp python3
export UDM_NO_AUTOSTART=1
start_fuse_daemon
dev="$UDM_RUNDIR/dev/mapper"
T=$E2E_TMP
for f in m0 m1 m2; do sparse_file "$T/$f" 1M; done
for f in d0 d1 d2; do sparse_file "$T/$f" 32M; done
SECTORS=65536
minor() { udmsetup info "$1" | sed -n 's/^Major, minor: *[0-9]*, *\([0-9]*\)$/\1/p'; }
status() { udmsetup status r | cut -d' ' -f4-; }
wait_status() {
  local i
  for ((i=0; i<600; i++)); do [ "$(status)" = "$1" ] && return 0; sleep 0.05; done
  fail "status: expected [$1], got [$(status)]"
}

udmsetup create leg1 --table "0 $SECTORS linear $T/d1 0"
L1="252:$(minor leg1)"
udmsetup create r --table "0 $SECTORS raid raid1 3 0 region_size 1024 2 $T/m0 $T/d0 $T/m1 $L1"
# A new set without nosync: the resync runs to the end.
wait_status "raid1 2 AA 65536/65536 idle 0 0 -"
expect_eq "$(udmsetup table r)" "0 65536 raid raid1 3 0 region_size 1024 2 $T/m0 $T/d0 $T/m1 $L1" table

# A pattern: every leg holds it.
python3 -c "
import os, sys
with open(sys.argv[1], 'wb') as f:
    for i in range(32 * 256):
        f.write(os.urandom(16) * 256)
" "$T/pattern"
dd if="$T/pattern" of="$dev/r" bs=1M oflag=direct conv=notrunc status=none
sync
want=$(sha256sum <"$T/pattern" | cut -d' ' -f1)
expect_eq "$(sha256sum <"$dev/r" | cut -d' ' -f1)" "$want" "device"
expect_eq "$(sha256sum <"$T/d0" | cut -d' ' -f1)" "$want" "leg 0 file"
expect_eq "$(sha256sum <"$T/d1" | cut -d' ' -f1)" "$want" "leg 1 file"

# Leg 1 fails under a writer.
( for i in $(seq 0 63); do
    dd if="$T/pattern" of="$dev/r" bs=64k count=1 skip=$i seek=$((i * 4)) oflag=direct conv=notrunc status=none || exit 1
    sleep 0.02
  done ) &
writer=$!
sleep 0.3
udmsetup load leg1 --table "0 $SECTORS error"
udmsetup suspend leg1
udmsetup resume leg1
wait "$writer" || fail "the writer saw an error while one leg was good"
expect_eq "$(status)" "raid1 2 AD 65536/65536 idle 0 0 -" "status after leg 1 failed"
# Reads go on from leg 0.
dd if="$dev/r" of="$T/after" bs=1M iflag=direct status=none || fail "read after the failure"
cmp -s "$T/after" <(cat "$T/d0") || fail "the device does not read leg 0's data"
python3 - "$T/m0" <<'PY' || fail "leg 0's superblock does not record leg 1 as failed"
import struct, sys
b = open(sys.argv[1], 'rb').read(4096)
magic, = struct.unpack_from('<I', b, 0)
failed, = struct.unpack_from('<Q', b, 24)
assert magic == 0x64526D44, hex(magic)
assert failed & 2, failed
PY

# A fresh leg in slot 1, rebuilt from leg 0.
udmsetup load r --table "0 $SECTORS raid raid1 5 0 region_size 1024 rebuild 1 2 $T/m0 $T/d0 $T/m2 $T/d2"
udmsetup suspend r
udmsetup resume r
wait_status "raid1 2 AA 65536/65536 idle 0 0 -"
cmp "$T/d0" "$T/d2" || fail "legs differ after the rebuild"
cmp "$T/d0" "$dev/r" || fail "device differs from the legs"
udmsetup remove r
udmsetup remove leg1
echo PASS
