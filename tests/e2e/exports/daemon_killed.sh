#!/bin/bash
# udmd dies (SIGKILL) under a mounted ext4 on loop on its FUSE file: the
# recovery in docs/exports.md frees everything without hanging, and a new
# udmd on the same run directory mounts over the stale FUSE mount.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup losetup mkfs.ext4 fusermount3 timeout
[ -w /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }

start_daemon
striped_device st
MNT=$UDM_RUNDIR/dev
loop_on "$MNT/mapper/st"
mkfs.ext4 -q -F "$LOOP"
mount_on "$LOOP" "$E2E_TMP/mnt"
head -c 8M /dev/urandom >"$E2E_TMP/mnt/file"

kill -KILL "$UDMD_PID"
wait "$UDMD_PID" 2>/dev/null || true
UDMD_PID=

# The recovery, step by step, each bounded in time.
ID=$(awk -v m="$MNT" '$5 == m { split($3, d, ":"); print d[2] }' /proc/self/mountinfo | tail -1)
[ -n "$ID" ] || fail "no FUSE mount at $MNT after the daemon died"
mountpoint -q /sys/fs/fuse/connections || mount -t fusectl none /sys/fs/fuse/connections
[ -e "/sys/fs/fuse/connections/$ID/abort" ] || fail "no fusectl entry for connection $ID"
echo 1 >"/sys/fs/fuse/connections/$ID/abort"
timeout 20 umount -l "$E2E_TMP/mnt" || fail "umount -l of the ext4 hung or failed"
detach_loop "$LOOP" || fail "losetup -d hung or failed"
# Accessing the dead mount now fails at once instead of hanging.
not timeout 5 stat "$MNT/mapper/st" >/dev/null 2>&1

# A new daemon replaces the stale mount by itself.
start_daemon
striped_device st2
expect_eq "$(stat -c %s "$MNT/mapper/st2")" 134217728 "FUSE file after restart"
echo PASS
