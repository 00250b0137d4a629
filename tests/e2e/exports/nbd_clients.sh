#!/bin/bash
# Real NBD clients against udmd's export: nbdinfo --list, qemu-img convert and
# nbdcopy round trips with matching checksums, and NBD and FUSE seeing each
# other's writes.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup nbdinfo nbdcopy qemu-img md5sum

start_daemon
striped_device st
sparse_file "$E2E_TMP/lin.img" 8M
udmsetup create lin --table "0 16384 linear $E2E_TMP/lin.img 0"
SOCK=$UDM_RUNDIR/nbd.sock
URI="nbd+unix:///st?socket=$SOCK"

list=$(nbdinfo --list "nbd+unix:///?socket=$SOCK")
grep -q 'export="st"' <<<"$list" || fail "nbdinfo --list misses st: $list"
grep -q 'export="lin"' <<<"$list" || fail "nbdinfo --list misses lin: $list"
nbdinfo --json "$URI" >"$E2E_TMP/info.json"
grep -q '"export-size": 134217728' "$E2E_TMP/info.json" || fail "wrong size: $(cat "$E2E_TMP/info.json")"

md5() { md5sum <"$1" | cut -d' ' -f1; }

# qemu-img: into the export and back out.
head -c 128M /dev/urandom >"$E2E_TMP/src1.img"
qemu-img convert -n -f raw -O raw "$E2E_TMP/src1.img" "$URI"
qemu-img convert -f raw -O raw "$URI" "$E2E_TMP/out1.img"
expect_eq "$(md5 "$E2E_TMP/out1.img")" "$(md5 "$E2E_TMP/src1.img")" "qemu-img round trip"
qemu-img compare -f raw -F raw "$E2E_TMP/src1.img" "$URI" >/dev/null || fail "qemu-img compare differs"

# nbdcopy (multi-conn, many requests in flight).
head -c 128M /dev/urandom >"$E2E_TMP/src2.img"
nbdcopy "$E2E_TMP/src2.img" "$URI"
expect_eq "$(nbdcopy "$URI" - | md5sum | cut -d' ' -f1)" "$(md5 "$E2E_TMP/src2.img")" "nbdcopy round trip"

if [ -w /dev/fuse ]; then
  F=$UDM_RUNDIR/dev/mapper/st
  # What NBD wrote, FUSE reads.
  expect_eq "$(md5 "$F")" "$(md5 "$E2E_TMP/src2.img")" "FUSE view of NBD writes"
  # What FUSE writes, NBD reads.
  head -c 4M /dev/urandom >"$E2E_TMP/patch"
  dd if="$E2E_TMP/patch" of="$F" bs=1M seek=10 conv=notrunc,fsync status=none
  dd if="$E2E_TMP/patch" of="$E2E_TMP/src2.img" bs=1M seek=10 conv=notrunc status=none
  expect_eq "$(nbdcopy "$URI" - | md5sum | cut -d' ' -f1)" "$(md5 "$E2E_TMP/src2.img")" "NBD view of FUSE writes"
fi

# A connected client holds the device open: removal is refused until it leaves.
(sleep 2; head -c 4096 /dev/zero) | nbdcopy -- - "nbd+unix:///lin?socket=$SOCK" &
HOLDER=$!
sleep 0.7
not udmsetup remove lin
wait $HOLDER
remove_device lin
! grep -q 'export="lin"' <<<"$(nbdinfo --list "nbd+unix:///?socket=$SOCK")" || fail "lin still listed after remove"
echo PASS
