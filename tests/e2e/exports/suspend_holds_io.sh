#!/bin/bash
# I/O issued while a device is suspended waits, on both exports, and completes
# with the right data after resume.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup nbdcopy md5sum
[ -w /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }

start_daemon
striped_device st
F=$UDM_RUNDIR/dev/mapper/st
URI="nbd+unix:///st?socket=$UDM_RUNDIR/nbd.sock"
head -c 128M /dev/urandom >"$E2E_TMP/src.img"
nbdcopy "$E2E_TMP/src.img" "$URI"
want=$(md5sum <"$E2E_TMP/src.img" | cut -d' ' -f1)

udmsetup suspend st
cleanup_fn "udmsetup resume st"
dd if="$F" of="$E2E_TMP/fuse.out" bs=1M iflag=direct status=none &
FUSE_READER=$!
nbdcopy "$URI" "$E2E_TMP/nbd.out" &
NBD_READER=$!
head -c 1M /dev/urandom >"$E2E_TMP/patch"
dd if="$E2E_TMP/patch" of="$F" bs=1M seek=100 conv=notrunc,fsync status=none &
FUSE_WRITER=$!
sleep 1
kill -0 $FUSE_READER 2>/dev/null || fail "FUSE read finished while suspended"
kill -0 $NBD_READER 2>/dev/null || fail "NBD read finished while suspended"
kill -0 $FUSE_WRITER 2>/dev/null || fail "FUSE write finished while suspended"
udmsetup resume st
wait $FUSE_READER || fail "FUSE read failed"
wait $NBD_READER || fail "NBD read failed"
wait $FUSE_WRITER || fail "FUSE write failed"
# The readers may see the patch or not (they raced with the writer), except
# outside it: compare the first 100 MiB.
expect_eq "$(head -c 100M "$E2E_TMP/fuse.out" | md5sum | cut -d' ' -f1)" "$(head -c 100M "$E2E_TMP/src.img" | md5sum | cut -d' ' -f1)" "FUSE read after resume"
expect_eq "$(head -c 100M "$E2E_TMP/nbd.out" | md5sum | cut -d' ' -f1)" "$(head -c 100M "$E2E_TMP/src.img" | md5sum | cut -d' ' -f1)" "NBD read after resume"
cmp -s <(dd if="$F" bs=1M skip=100 count=1 iflag=direct status=none) "$E2E_TMP/patch" || fail "FUSE write lost"
echo PASS
