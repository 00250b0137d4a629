#!/bin/bash
# Snapshots as lvm2 lays them out (LV-real and snap-cow linear, the LV as
# snapshot-origin, the snapshot LV as snapshot): ext4 on the origin, a
# snapshot, files changed in the origin; the snapshot mounted read-only
# through its FUSE file still has the old files. A too-small snapshot becomes
# Invalid while the origin keeps working. Then the snapshot is merged back
# (snapshot-merge) and the origin's bytes equal the snapshot's.
. "$(dirname "$0")/../exports/common.sh"
requires udmd udmsetup losetup mkfs.ext4 e2fsck fsfreeze fusermount3 md5sum mount
[ -w /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }

devno() { udmsetup info -c --noheadings -o major,minor --separator : "$1"; }
# usage NAME: "allocated metadata" from a snapshot's status
usage() { udmsetup status "$1" | awk '{split($4, a, "/"); print a[1], $5}'; }

start_daemon
SECTORS=131072  # 64 MiB
sparse_file "$E2E_TMP/pv-origin.img" 64M
sparse_file "$E2E_TMP/pv-cow.img" 32M
sparse_file "$E2E_TMP/pv-small.img" 1M
udmsetup create vg-lv-real --table "0 $SECTORS linear $E2E_TMP/pv-origin.img 0"
udmsetup create vg-snap-cow --table "0 65536 linear $E2E_TMP/pv-cow.img 0"
REAL=$(devno vg-lv-real)
COW=$(devno vg-snap-cow)
udmsetup create vg-lv --table "0 $SECTORS snapshot-origin $REAL"
wait_for_file "$UDM_RUNDIR/dev/mapper/vg-lv"
expect_eq "$(udmsetup table vg-lv)" "0 $SECTORS snapshot-origin $REAL" "origin table"

loop_on "$UDM_RUNDIR/dev/mapper/vg-lv"
ORIGIN_LOOP=$LOOP
# No lazy inode-table or journal init: the kernel would zero them in the
# background after mount, and those writes would land in the snapshot.
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$ORIGIN_LOOP"
mount_on "$ORIGIN_LOOP" "$E2E_TMP/mnt"
mkdir "$E2E_TMP/old"
write_tree "$E2E_TMP/mnt/tree"
cp "$E2E_TMP/mnt/tree.md5" "$E2E_TMP/old/tree.md5"
sync

# The snapshot, taken with the origin suspended as lvcreate -s does. The
# kernel's dm suspend freezes the filesystem on top; here the filesystem sits
# on a loop device, so fsfreeze does that part. The fresh status is read
# before the thaw: after it, the journal may write at any time.
fsfreeze -f "$E2E_TMP/mnt"
cleanup_fn "fsfreeze -u $E2E_TMP/mnt 2>/dev/null"
udmsetup suspend vg-lv
udmsetup create vg-snap --table "0 $SECTORS snapshot $REAL $COW P 8"
udmsetup resume vg-lv
wait_for_file "$UDM_RUNDIR/dev/mapper/vg-snap"
expect_eq "$(udmsetup table vg-snap)" "0 $SECTORS snapshot $REAL $COW P 8" "snapshot table"
expect_eq "$(udmsetup status vg-snap)" "0 $SECTORS snapshot 16/65536 16" "fresh snapshot status"
fsfreeze -u "$E2E_TMP/mnt"

# Change the origin: files removed, rewritten, added.
rm -rf "$E2E_TMP/mnt/tree/d1" "$E2E_TMP/mnt/tree/big"
for f in "$E2E_TMP"/mnt/tree/d2/f*; do head -c 5000 /dev/urandom >"$f"; done
head -c $((4 << 20)) /dev/urandom >"$E2E_TMP/mnt/new-file"
sync
read -r alloc meta < <(usage vg-snap)
[ "$alloc" -gt "$meta" ] || fail "origin writes copied nothing into the snapshot: $(udmsetup status vg-snap)"
echo "snapshot usage after changes: $(udmsetup status vg-snap)"

# The snapshot read-only through its FUSE file: the old files are there.
SNAP_LOOP=$(attach_loop -r "$UDM_RUNDIR/dev/mapper/vg-snap")
mkdir -p "$E2E_TMP/snapmnt"
mount -o ro,noload "$SNAP_LOOP" "$E2E_TMP/snapmnt"
cleanup_fn "umount -l $E2E_TMP/snapmnt"
(cd "$E2E_TMP/snapmnt/tree" && md5sum --quiet -c "$E2E_TMP/old/tree.md5") || fail "the snapshot lost old files"
[ ! -e "$E2E_TMP/snapmnt/new-file" ] || fail "the snapshot sees a file created after it"
umount "$E2E_TMP/snapmnt"
detach_loop "$SNAP_LOOP"

# A snapshot too small for what follows: Invalid, while the origin goes on.
udmsetup create vg-small-cow --table "0 2048 linear $E2E_TMP/pv-small.img 0"
SMALL=$(devno vg-small-cow)
udmsetup suspend vg-lv
udmsetup create vg-small --table "0 $SECTORS snapshot $REAL $SMALL P 8"
udmsetup resume vg-lv
head -c $((8 << 20)) /dev/urandom >"$E2E_TMP/mnt/fills-small"
sync
expect_eq "$(udmsetup status vg-small)" "0 $SECTORS snapshot Invalid" "overflowed snapshot"
not dd if="$UDM_RUNDIR/dev/mapper/vg-small" of=/dev/null bs=4096 count=1 status=none 2>/dev/null
md5_fill=$(md5sum <"$E2E_TMP/mnt/fills-small")
echo 3 >/proc/sys/vm/drop_caches
expect_eq "$(md5sum <"$E2E_TMP/mnt/fills-small")" "$md5_fill" "origin still readable after the overflow"
head -c 100000 /dev/urandom >"$E2E_TMP/mnt/after-overflow"
sync
udmsetup status vg-snap | grep -q ' snapshot [0-9]*/65536 [0-9]*$' || fail "the big snapshot must stay valid: $(udmsetup status vg-snap)"
remove_device vg-small
remove_device vg-small-cow

# Merge back, as lvconvert --merge does with an inactive snapshot.
umount "$E2E_TMP/mnt"
detach_loop "$ORIGIN_LOOP"
snap_md5=$(md5sum <"$UDM_RUNDIR/dev/mapper/vg-snap")
udmsetup suspend vg-lv
remove_device vg-snap
udmsetup load vg-lv --table "0 $SECTORS snapshot-merge $REAL $COW P 8"
udmsetup resume vg-lv
expect_eq "$(udmsetup table vg-lv)" "0 $SECTORS snapshot-merge $REAL $COW P 8" "merge table"

# udmd stops while merging; the new one restores the same tables from its
# device record and goes on from what the COW device says.
echo "merge status when udmd stops: $(udmsetup status vg-lv)"
stop_daemon
start_daemon
expect_eq "$(udmsetup table vg-lv)" "0 $SECTORS snapshot-merge $REAL $COW P 8" "merge table restored"
wait_for_file "$UDM_RUNDIR/dev/mapper/vg-lv"
echo "merge status after the restart: $(udmsetup status vg-lv)"
for ((i=0; i<600; i++)); do
  read -r alloc meta < <(usage vg-lv)
  [ "$alloc" = "$meta" ] && break
  sleep 0.1
done
expect_eq "$(udmsetup status vg-lv)" "0 $SECTORS snapshot-merge 16/65536 16" "merge finished"
expect_eq "$(md5sum <"$UDM_RUNDIR/dev/mapper/vg-lv")" "$snap_md5" "merged origin equals the snapshot"
expect_eq "$(md5sum <"$UDM_RUNDIR/dev/mapper/vg-lv-real")" "$snap_md5" "the origin's own bytes"

# As lvm finishes a merge: the LV maps the real device again.
udmsetup suspend vg-lv
udmsetup load vg-lv --table "0 $SECTORS linear $REAL 0"
udmsetup resume vg-lv
loop_on "$UDM_RUNDIR/dev/mapper/vg-lv"
e2fsck -f -n "$LOOP" >/dev/null 2>&1 || e2fsck -f -p "$LOOP" >/dev/null || fail "merged ext4 does not check clean"
mount_on "$LOOP" "$E2E_TMP/mnt2"
(cd "$E2E_TMP/mnt2/tree" && md5sum --quiet -c "$E2E_TMP/old/tree.md5") || fail "merged origin lacks the old files"
[ ! -e "$E2E_TMP/mnt2/new-file" ] || fail "merged origin still has a file created after the snapshot"
umount "$E2E_TMP/mnt2"
detach_loop "$LOOP"
echo "ok"
