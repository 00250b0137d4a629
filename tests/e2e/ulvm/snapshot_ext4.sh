#!/bin/bash
# ext4 on an LV with ulvm snapshots, end to end: lvcreate -s of the mounted
# origin, files changed in the origin, the snapshot mounted read-only still
# has the old files; a write to the snapshot; a too-small snapshot overflows
# (lvs: invalid, Data% 100.00) while the origin keeps working; lvconvert
# --merge of the open origin waits for the next activation (lvm2's messages,
# merging_store in the metadata), which then merges in the background; a
# second merge polled in the foreground with lvm2's progress lines. Whole-
# device checksums of the snapshot before and of the origin after each merge
# are compared (md5sum of the FUSE files, not the project's code).
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/../exports/common.sh"
requires udmd udmsetup losetup mkfs.ext4 e2fsck md5sum mount
[ -w /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root"; exit 77; }
vg0_on_file 256M
start_daemon
ulvm lvcreate -L 64M -n lv vg0 >/dev/null || fail "lvcreate lv"
DEV="$UDM_RUNDIR/dev/vg0"
wait_for_file "$DEV/lv"
loop_on "$DEV/lv"; ORIGIN_LOOP=$LOOP
mkfs.ext4 -q -F "$ORIGIN_LOOP"
mount_on "$ORIGIN_LOOP" "$E2E_TMP/mnt"
mkdir -p "$E2E_TMP/old"
write_tree "$E2E_TMP/mnt/tree"
cp "$E2E_TMP/mnt/tree.md5" "$E2E_TMP/old/tree.md5"
sync; echo 3 >/proc/sys/vm/drop_caches

# The snapshot of the mounted origin (the origin is suspended meanwhile).
expect_out '  Logical volume "snap" created.' ulvm lvcreate -s -L 40M -n snap vg0/lv
rm -rf "$E2E_TMP/mnt/tree/d1" "$E2E_TMP/mnt/tree/big"
for f in "$E2E_TMP"/mnt/tree/d2/f*; do head -c 5000 /dev/urandom >"$f"; done
head -c $((4 << 20)) /dev/urandom >"$E2E_TMP/mnt/new-file"
sync
pct=$(ulvm lvs --noheadings -o snap_percent vg0/snap | tr -d ' ')
[ "$pct" != "0.00" ] && [ -n "$pct" ] || fail "origin writes copied nothing: Snap% [$pct]"

# Read-only mount of the snapshot: the old files.
SNAP_LOOP=$(attach_loop -r "$DEV/snap")
mkdir -p "$E2E_TMP/snapmnt"
mount -o ro,noload "$SNAP_LOOP" "$E2E_TMP/snapmnt"
cleanup_fn "umount -l $E2E_TMP/snapmnt"
(cd "$E2E_TMP/snapmnt/tree" && md5sum --quiet -c "$E2E_TMP/old/tree.md5") || fail "the snapshot lost old files"
[ ! -e "$E2E_TMP/snapmnt/new-file" ] || fail "the snapshot sees a file made after it"
umount "$E2E_TMP/snapmnt"; detach_loop "$SNAP_LOOP"

# A write to the snapshot (it is writable, as lvm2 makes it).
SNAP_LOOP=$(attach_loop --direct-io=on "$DEV/snap")
mount "$SNAP_LOOP" "$E2E_TMP/snapmnt"
head -c 300000 /dev/urandom >"$E2E_TMP/snapmnt/written-to-snapshot"
md5sum <"$E2E_TMP/snapmnt/written-to-snapshot" >"$E2E_TMP/snapfile.md5"
umount "$E2E_TMP/snapmnt"; detach_loop "$SNAP_LOOP"

# A one-extent snapshot overflows; the origin goes on.
ulvm lvcreate -s -l 1 -n small vg0/lv >/dev/null || fail "lvcreate small"
head -c $((8 << 20)) /dev/urandom >"$E2E_TMP/mnt/fills-small"; sync
expect_eq "$(ulvm lvs --noheadings -o lv_attr,data_percent vg0/small | xargs)" "swi-I-s--- 100.00" "invalid snapshot"
md5_fill=$(md5sum <"$E2E_TMP/mnt/fills-small")
echo 3 >/proc/sys/vm/drop_caches
expect_eq "$(md5sum <"$E2E_TMP/mnt/fills-small")" "$md5_fill" "origin readable after the overflow"
expect_eq "$(ulvm lvs --noheadings -o lv_attr vg0/snap | xargs)" "swi-a-s---" "big snapshot still valid"
expect_fail 5 "  Unable to merge invalidated snapshot LV vg0/small." ulvm lvconvert --merge vg0/small
ulvm lvremove -f vg0/small >/dev/null || fail "lvremove of an invalid snapshot"

# Merge while the origin is open: deferred to the next activation.
SNAP_MD5=$(md5sum <"$DEV/snap")
expect_out '  Delaying merge since origin is open.
  Merging of snapshot vg0/snap will occur on next activation of vg0/lv.' ulvm lvconvert --merge vg0/snap
ulvm vgcfgbackup -f "$E2E_TMP/merging.vg" vg0 >/dev/null || fail vgcfgbackup
grep -q 'merging_store = "snap"' "$E2E_TMP/merging.vg" || fail "no merging_store in metadata"
expect_eq "$(ulvm lvs --noheadings -o lv_name,lv_attr | xargs)" "lv Owi-aos---" "merging origin in lvs"
umount "$E2E_TMP/mnt"; detach_loop "$ORIGIN_LOOP"
ulvm lvchange -an vg0/lv || fail "lvchange -an"
expect_eq "$(udmsetup ls)" "No devices found" "all devices gone"
ulvm lvchange -ay vg0/lv || fail "lvchange -ay"
# The merge runs under the origin (snapshot-merge) and is finished in the background.
for ((i=0; i<300; i++)); do
  [ "$(ulvm lvs -a --noheadings -o lv_name | xargs)" == "lv" ] && break
  sleep 0.2
done
expect_eq "$(ulvm lvs -a --noheadings -o lv_name,lv_attr | xargs)" "lv -wi-a-----" "snapshot merged and gone"
expect_eq "$(udmsetup table vg0-lv | awk '{print $3}')" "linear" "origin back on its own table"
expect_eq "$(udmsetup ls | awk '{print $1}' | xargs)" "vg0-lv" "no layer left"
expect_eq "$(md5sum <"$DEV/lv")" "$SNAP_MD5" "merged origin = the snapshot's view"
loop_on "$DEV/lv"
e2fsck -f -n "$LOOP" >/dev/null 2>&1 || fail "merged ext4 does not check clean"
mount_on "$LOOP" "$E2E_TMP/mnt2"
(cd "$E2E_TMP/mnt2/tree" && md5sum --quiet -c "$E2E_TMP/old/tree.md5") || fail "merged origin lacks old files"
expect_eq "$(md5sum <"$E2E_TMP/mnt2/written-to-snapshot")" "$(cat "$E2E_TMP/snapfile.md5")" "the snapshot's own write merged"
[ ! -e "$E2E_TMP/mnt2/new-file" ] || fail "merged origin still has a file made after the snapshot"

# A merge polled in the foreground: lvm2's progress lines.
ulvm lvcreate -s -L 40M -n snap2 vg0/lv >/dev/null || fail "lvcreate snap2"
head -c $((12 << 20)) /dev/urandom >"$E2E_TMP/mnt2/later"; sync
umount "$E2E_TMP/mnt2"; detach_loop "$LOOP"
SNAP_MD5=$(md5sum <"$DEV/snap2")
ulvm lvconvert --merge -i 1 vg0/snap2 >"$E2E_TMP/merge.out" 2>"$E2E_TMP/merge.err" || fail "lvconvert --merge: $(cat "$E2E_TMP/merge.err")"
cat "$E2E_TMP/merge.out"
expect_eq "$(head -1 "$E2E_TMP/merge.out")" "  Merging of volume vg0/snap2 started." "merge start line"
grep -Eq '^  vg0/lv: Merged: [0-9]+\.[0-9]{2}%$' "$E2E_TMP/merge.out" || fail "no progress line"
expect_eq "$(tail -2 "$E2E_TMP/merge.out")" '  Merge of snapshot into logical volume vg0/lv has finished.
  Logical volume "snap2" successfully removed.' "merge end lines"
expect_eq "$(md5sum <"$DEV/lv")" "$SNAP_MD5" "second merge: origin = snapshot"
expect_eq "$(udmsetup ls | awk '{print $1}' | xargs)" "vg0-lv" "no layer left after the second merge"
echo PASS
