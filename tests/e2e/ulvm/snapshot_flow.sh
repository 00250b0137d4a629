#!/bin/bash
# Old-style snapshots through ulvm: lvcreate -s writes the COW LV and its
# snapshotN carrier as lvm2 does and, with the origin active, makes lvm2's
# four devices (origin-real, origin as snapshot-origin, snap-cow, snap as
# snapshot) with lvm2's names and uuids; lvs/lvdisplay show the relation and
# the driver's usage; a second snapshot, lvextend of a COW (live), lvremove
# (the origin goes back to a plain table), vgchange -an/-ay, and lvm2's
# refusals.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
vg0_on_file 128M
start_daemon
ulvm lvcreate -L 16M -n lv vg0 >/dev/null || fail "lvcreate lv"
VGID=$(ulvm vgs --noheadings -o vg_uuid vg0 | tr -d ' -')
lvid() { ulvm lvs -a --noheadings -o lv_uuid "vg0/$1" | tr -d ' -'; }
devno() { udmsetup info -c --noheadings -o major,minor --separator : "$1"; }

# Refusals first (nothing written).
expect_fail 3 "  Chunk size must be a power of 2 in the range 4K to 512K.
  Run \`lvcreate --help' for more information." ulvm lvcreate -s -L 4M -c 3k -n s vg0/lv
expect_fail 5 "  Please specify either size or extents with snapshots." ulvm lvcreate -s -n s vg0/lv
expect_fail 5 "  Snapshot origin LV nope not found in Volume group vg0." ulvm lvcreate -s -L 4M -n s vg0/nope

expect_out '  Logical volume "snap" created.' ulvm lvcreate -s -L 8M -n snap vg0/lv
LV=$(lvid lv); SNAP=$(lvid snap)
expect_eq "$(udmsetup ls | awk '{print $1}' | sort | tr '\n' ' ')" "vg0-lv vg0-lv-real vg0-snap vg0-snap-cow " "devices"
expect_eq "$(udmsetup info -c --noheadings -o uuid vg0-lv-real)" "LVM-$VGID$LV-real" "real uuid"
expect_eq "$(udmsetup info -c --noheadings -o uuid vg0-snap-cow)" "LVM-$VGID$SNAP-cow" "cow uuid"
expect_eq "$(udmsetup info -c --noheadings -o uuid vg0-snap)" "LVM-$VGID$SNAP" "snap uuid"
REAL=$(devno vg0-lv-real); COW=$(devno vg0-snap-cow)
expect_eq "$(udmsetup table vg0-lv)" "0 32768 snapshot-origin $REAL" "origin table"
expect_eq "$(udmsetup table vg0-snap)" "0 32768 snapshot $REAL $COW P 8" "snapshot table"
expect_eq "$(udmsetup table vg0-snap-cow | awk '{print $1, $2, $3}')" "0 16384 linear" "cow table"
expect_eq "$(udmsetup status vg0-snap)" "0 32768 snapshot 16/16384 16" "fresh snapshot"

expect_out '  lv   vg0 owi-a-s--- 16.00m                                                    
  snap vg0 swi-a-s---  8.00m      lv     0.00                                   ' ulvm lvs --noheadings
expect_out '  snap lv     0.00   0.00   public,snapshot,thicksnapshot' ulvm lvs --noheadings -o lv_name,origin,data_percent,snap_percent,lv_role vg0/snap
ulvm lvdisplay vg0/snap > "$E2E_TMP/disp" || fail lvdisplay
grep -q '^  LV snapshot status     active destination for lv$' "$E2E_TMP/disp" || fail "lvdisplay: $(cat "$E2E_TMP/disp")"
grep -q '^  LV Size                16.00 MiB$' "$E2E_TMP/disp" || fail "lvdisplay size"
grep -q '^  COW-table size         8.00 MiB$' "$E2E_TMP/disp" || fail "lvdisplay COW size"
grep -q '^  COW-table LE           2$' "$E2E_TMP/disp" || fail "lvdisplay COW LE"
grep -q '^  Allocated to snapshot  0.00%$' "$E2E_TMP/disp" || fail "lvdisplay allocated"
grep -q '^  Snapshot chunk size    4.00 KiB$' "$E2E_TMP/disp" || fail "lvdisplay chunk"
ulvm lvdisplay vg0/lv > "$E2E_TMP/disp" || fail lvdisplay
grep -A1 '^  LV snapshot status     source of$' "$E2E_TMP/disp" | grep -q '^                         snap \[active\]$' || fail "origin lvdisplay: $(cat "$E2E_TMP/disp")"

# Writes to the origin copy old chunks; the snapshot keeps the old bytes.
dd if=/dev/urandom of="$UDM_RUNDIR/dev/vg0/lv" bs=64k count=8 conv=notrunc,fsync status=none
OLD=$(head -c 1M "$UDM_RUNDIR/dev/vg0/snap" | md5sum)
expect_eq "$(head -c 1M /dev/zero | md5sum)" "$OLD" "snapshot keeps the old (zero) bytes"
pct=$(ulvm lvs --noheadings -o data_percent vg0/snap | tr -d ' ')
[ "$pct" != "0.00" ] || fail "Data% did not move"

# A second snapshot of the same origin, default name lvol0, --chunksize, -l.
expect_out '  Logical volume "lvol0" created.' ulvm lvcreate -s -l 1 --chunksize 64k vg0/lv
expect_eq "$(udmsetup table vg0-lvol0 | awk '{print $3, $6, $7}')" "snapshot P 128" "second snapshot table"
expect_eq "$(udmsetup table vg0-lv)" "0 32768 snapshot-origin $REAL" "origin unchanged"
expect_eq "$(head -c 1M "$UDM_RUNDIR/dev/vg0/lvol0" | md5sum)" "$(head -c 1M "$UDM_RUNDIR/dev/vg0/lv" | md5sum)" "new snapshot = origin now"
expect_fail 5 "  Snapshots of snapshots are not supported." ulvm lvcreate -s -L 4M -n s2 vg0/snap
expect_out '  Reducing COW size 64.00 MiB down to maximum usable size 20.00 MiB.
  Logical volume "big" created.' ulvm lvcreate -s -L 64M -n big vg0/lv
expect_out '  Logical volume "big" successfully removed.' ulvm lvremove -f vg0/big

# lvextend grows the COW live.
ulvm lvextend -L +4M vg0/snap >/dev/null || fail "lvextend snap"
expect_eq "$(udmsetup status vg0-snap | awk '{split($4,a,"/"); print a[2]}')" "24576" "COW grown live"
expect_out '  Reached maximum COW size 20.00 MiB (5 extents).
  Size of logical volume vg0/snap changed from 12.00 MiB (3 extents) to 20.00 MiB (5 extents).
  Logical volume vg0/snap successfully resized.' ulvm lvextend -L +40M vg0/snap
expect_fail 5 "  Snapshot origin volumes can be resized only while inactive: try lvchange -an." ulvm lvextend -L +4M vg0/lv
expect_fail 5 "  Snapshot origin volumes cannot be reduced in size yet." ulvm lvreduce -f -L -4M vg0/lv

# vgchange -an / -ay keep the stack.
expect_out '  0 logical volume(s) in volume group "vg0" now active' ulvm vgchange -an vg0
expect_eq "$(udmsetup ls)" "No devices found" "all gone"
ulvm vgchange -ay vg0 >/dev/null || fail "vgchange -ay"
expect_eq "$(udmsetup table vg0-lv | awk '{print $3}')" "snapshot-origin" "origin again"
expect_eq "$(head -c 1M "$UDM_RUNDIR/dev/vg0/snap" | md5sum)" "$OLD" "snapshot kept its data"

# lvremove of the snapshots: the origin ends on a plain table.
expect_out '  Logical volume "lvol0" successfully removed.' ulvm lvremove -f vg0/lvol0
expect_eq "$(udmsetup table vg0-lv | awk '{print $3}')" "snapshot-origin" "one snapshot left"
expect_out '  Logical volume "snap" successfully removed.' ulvm lvremove -f vg0/snap
expect_eq "$(udmsetup table vg0-lv | awk '{print $3}')" "linear" "plain origin"
expect_eq "$(udmsetup ls | awk '{print $1}' | tr '\n' ' ')" "vg0-lv " "only the origin"
expect_eq "$(ulvm lvs -a --noheadings -o lv_name | tr -d ' ')" "lv" "only lv left in metadata"

# lvconvert --merge -b: polled and finished by a background process.
ulvm lvcreate -s -L 4M -n s3 vg0/lv >/dev/null || fail "lvcreate s3"
S3_MD5=$(md5sum <"$UDM_RUNDIR/dev/vg0/s3")
dd if=/dev/urandom of="$UDM_RUNDIR/dev/vg0/lv" bs=64k count=16 conv=notrunc,fsync status=none
expect_out '  Merging of volume vg0/s3 started.' ulvm lvconvert --merge -b -i 1 vg0/s3
for ((i=0; i<100; i++)); do
  [ "$(ulvm lvs -a --noheadings -o lv_name vg0 | xargs)" == "lv" ] && break
  sleep 0.2
done
expect_eq "$(ulvm lvs -a --noheadings -o lv_name vg0 | xargs)" "lv" "background merge finished"
expect_eq "$(md5sum <"$UDM_RUNDIR/dev/vg0/lv")" "$S3_MD5" "origin = merged snapshot"
expect_eq "$(udmsetup table vg0-lv | awk '{print $3}')" "linear" "plain origin after the merge"

# On a terminal the progress lines become one bar redrawn in place.
if command -v script >/dev/null; then
  ulvm lvcreate -s -L 4M -n s4 vg0/lv >/dev/null || fail "lvcreate s4"
  dd if=/dev/urandom of="$UDM_RUNDIR/dev/vg0/lv" bs=64k count=16 conv=notrunc,fsync status=none
  script -qec "ulvm lvconvert --merge -i 1 vg0/s4" /dev/null >"$E2E_TMP/tty.out" || fail "merge on a terminal"
  grep -q $'\r  vg0/lv: Merged: \[[#-]*\] 100.00%' "$E2E_TMP/tty.out" || fail "no progress bar: $(cat -A "$E2E_TMP/tty.out")"
  grep -q 'Logical volume "s4" successfully removed.' "$E2E_TMP/tty.out" || fail "terminal merge did not finish"
fi

# lvremove of an origin takes its snapshots along (after lvm2's question).
ulvm lvcreate -s -L 4M -n s1 vg0/lv >/dev/null || fail "lvcreate s1"
ulvm lvcreate -s -L 4M -n s2 vg0/lv >/dev/null || fail "lvcreate s2"
echo n | ulvm lvremove vg0/lv >"$E2E_TMP/out" 2>"$E2E_TMP/err" && fail "lvremove answered no succeeded"
grep -q '^Do you really want to remove active origin logical volume vg0/lv with 2 snapshots(s)? \[y/n\]: ' "$E2E_TMP/err" || fail "origin question: $(cat "$E2E_TMP/err")"
expect_out '  Logical volume "s1" successfully removed.
  Logical volume "s2" successfully removed.
  Logical volume "lv" successfully removed.' ulvm lvremove -f vg0/lv
expect_eq "$(udmsetup ls)" "No devices found" "no device left"
expect_eq "$(ulvm lvs -a --noheadings -o lv_name vg0 | xargs)" "" "no LV left"

# vgremove of a VG with an active snapshot.
ulvm lvcreate -L 8M -n o vg0 >/dev/null && ulvm lvcreate -s -L 4M -n s vg0/o >/dev/null || fail "o, s"
expect_out '  Logical volume "o" successfully removed.
  Logical volume "s" successfully removed.
  Volume group "vg0" successfully removed' ulvm vgremove -f vg0
expect_eq "$(udmsetup ls)" "No devices found" "vgremove left devices"
echo PASS
