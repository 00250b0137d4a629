#!/bin/bash
# Many devices with the default exports on (not timed): 3,000 devices
# (UDM_E2E_SCALE_COUNT) are all visible as FUSE files and NBD exports; some
# are renamed (old names gone at once even when the kernel had them cached,
# new ones there, over FUSE and NBD); after removing them all the tree and
# the export list are empty.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup nbdinfo nbdcopy python3 cmp
[ -e /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }
N=${UDM_E2E_SCALE_COUNT:-3000}
LIB=$UDM_BIN/../lib/libudm.so
[ -e "$LIB" ] || fail "no $LIB"
devices() { python3 "$(dirname "$0")/scale_devices.py" "$LIB" "$UDM_RUNDIR" "$@"; }
idx() { printf %05d "$1"; }

start_daemon
mountpoint -q "$UDM_RUNDIR/dev" || { echo "SKIP: the FUSE export did not mount"; exit 77; }
M=$UDM_RUNDIR/dev/mapper
SOCK=$UDM_RUNDIR/nbd.sock
nbd_count() {
  nbdinfo --list --json "nbd+unix:///?socket=$SOCK" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["exports"]))'
}
head -c 1048576 /dev/zero >"$E2E_TMP/zero.img"

devices create d 0 "$N"
expect_eq "$(ls "$M" | wc -l)" "$N" "FUSE entries"
expect_eq "$(ls "$M" | sort -u | wc -l)" "$N" "distinct FUSE entries"
for i in 0 1 1234 $((N / 2)) $((N - 1)); do
  expect_eq "$(stat -c %s "$M/d$(idx "$i")")" 1048576 "size of d$(idx "$i")"
done
cmp "$M/d$(idx 1234)" "$E2E_TMP/zero.img" || fail "FUSE read of d01234"
expect_eq "$(nbd_count)" "$N" "NBD exports"
for i in 0 $((N / 2)) $((N - 1)); do
  uri="nbd+unix:///d$(idx "$i")?socket=$SOCK"
  expect_eq "$(nbdinfo --size "$uri")" 1048576 "NBD size of d$(idx "$i")"
  rm -f "$E2E_TMP/out.img"
  nbdcopy "$uri" "$E2E_TMP/out.img"
  cmp "$E2E_TMP/out.img" "$E2E_TMP/zero.img" || fail "NBD read of d$(idx "$i")"
done

# Rename the first 500 (their entries were just looked up, so the kernel has
# them cached): the old names go at once, the new ones come, the count stays.
stat "$M/d00002" "$M/d00499" >/dev/null
devices rename d 0 500 r
[ ! -e "$M/d00002" ] || fail "d00002 still visible after its rename"
[ ! -e "$M/d00499" ] || fail "d00499 still visible after its rename"
expect_eq "$(ls "$M" | wc -l)" "$N" "FUSE entries after rename"
expect_eq "$(ls "$M" | grep -c '^r')" 500 "renamed FUSE entries"
[ -e "$M/r00000" ] && [ -e "$M/r00499" ] && [ -e "$M/d00500" ] || fail "entries missing after rename"
expect_eq "$(stat -c %s "$M/r00002")" 1048576 "size of r00002"
list=$(nbdinfo --list "nbd+unix:///?socket=$SOCK")
grep -q 'export="r00499"' <<<"$list" || fail "NBD list misses r00499"
! grep -q 'export="d00499"' <<<"$list" || fail "NBD list still has d00499"
expect_eq "$(nbdinfo --size "nbd+unix:///r00001?socket=$SOCK")" 1048576 "NBD size of r00001"

# Remove them all; a looked-up entry goes at once.
stat "$M/d$(idx $((N - 1)))" >/dev/null
devices remove r 0 500
devices remove d 500 "$N"
[ ! -e "$M/d$(idx $((N - 1)))" ] || fail "d$(idx $((N - 1))) still visible after remove"
expect_eq "$(ls "$M" | wc -l)" 0 "FUSE entries left"
expect_eq "$(nbd_count)" 0 "NBD exports left"
udmsetup ls | grep -q 'No devices found' || fail "devices left: $(udmsetup ls | head)"
echo "PASS: $N devices over FUSE and NBD"
