#!/bin/bash
# ext4 on loop on the FUSE file while another process suspends and resumes the
# device every 100 ms: every write must land, e2fsck must stay clean.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup losetup mkfs.ext4 e2fsck fusermount3
[ -w /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }

start_daemon
striped_device st
F=$UDM_RUNDIR/dev/mapper/st
loop_on "$F"
mkfs.ext4 -q -F "$LOOP"
mount_on "$LOOP" "$E2E_TMP/mnt"

# It stops at the end of a cycle, never in the middle: killing it could leave
# a `udmsetup suspend` running that lands after our last resume, and then
# umount would wait on held I/O forever.
suspender() {
  while [ ! -e "$E2E_TMP/stop" ]; do
    udmsetup suspend st
    sleep 0.05
    udmsetup resume st
    echo cycle
    sleep 0.05
  done
}
suspender >"$E2E_TMP/suspender.log" 2>&1 &
SUSPENDER=$!
# Never leave the device suspended behind us: unmount would hang.
cleanup_fn "touch $E2E_TMP/stop; wait $SUSPENDER; udmsetup resume st"

write_tree "$E2E_TMP/mnt/tree"
sync
head -c 48M /dev/urandom >"$E2E_TMP/mnt/tree2"
sync
md5_big=$(md5sum <"$E2E_TMP/mnt/tree2")
echo 3 >/proc/sys/vm/drop_caches
expect_eq "$(md5sum <"$E2E_TMP/mnt/tree2")" "$md5_big" "big file read back while suspending"
check_tree "$E2E_TMP/mnt/tree"
touch "$E2E_TMP/stop"
wait "$SUSPENDER"
udmsetup resume st  # a no-op: the suspender ends resumed
cycles=$(grep -c '^cycle' "$E2E_TMP/suspender.log" || true)
[ "$cycles" -ge 5 ] || fail "only $cycles suspend/resume cycles ran during the writes: $(cat "$E2E_TMP/suspender.log")"
echo "suspend/resume cycles during I/O: $cycles"

umount "$E2E_TMP/mnt"
mount "$LOOP" "$E2E_TMP/mnt"
check_tree "$E2E_TMP/mnt/tree"
umount "$E2E_TMP/mnt"
e2fsck -fn "$LOOP" >"$E2E_TMP/fsck.log" 2>&1 || { cat "$E2E_TMP/fsck.log"; fail "e2fsck found errors"; }
echo PASS
