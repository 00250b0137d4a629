#!/bin/bash
# A striped device's FUSE file under a loop device: mkfs.ext4, mount, write a
# tree, unmount, remount and verify, e2fsck clean; then the device is removable.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup losetup mkfs.ext4 e2fsck fusermount3
[ -w /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }

start_daemon
striped_device st
F=$UDM_RUNDIR/dev/mapper/st
expect_eq "$(stat -c %s "$F")" 134217728 "FUSE file size"

loop_on "$F"
mkfs.ext4 -q -F "$LOOP"
mount_on "$LOOP" "$E2E_TMP/mnt"
write_tree "$E2E_TMP/mnt/tree"
umount "$E2E_TMP/mnt"
mount "$LOOP" "$E2E_TMP/mnt"
check_tree "$E2E_TMP/mnt/tree"
umount "$E2E_TMP/mnt"
e2fsck -fn "$LOOP" >"$E2E_TMP/fsck.log" 2>&1 || { cat "$E2E_TMP/fsck.log"; fail "e2fsck found errors"; }

# Held open by the loop device: removal is refused until it is detached.
not udmsetup remove st
detach_loop "$LOOP"
remove_device st
[ ! -e "$F" ] || fail "$F still there after remove"
echo PASS
