#!/bin/bash
# A PV on a remote NBD export: a second udmd (its own run directory) serves
# a device over NBD; ulvm takes its URI in the device list, pvcreate,
# vgcreate with a local file PV, vgextend with the remote one, a striped LV
# across both, activated by the first udmd (table and pvs show the URI),
# ext4 on it, fsck clean, and again after deactivating and reactivating.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup ulvm mkfs.ext4 e2fsck losetup mount
[ -w /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root"; exit 77; }

# The server: another udmd exporting "remote" (linear over a 96 MiB file).
SRV="$E2E_TMP/srv"; mkdir -p "$SRV"
sparse_file "$E2E_TMP/remote.img" 96M
udmd --rundir "$SRV" --foreground >"$E2E_TMP/server.log" 2>&1 &
SRV_PID=$!
cleanup_fn "kill -KILL $SRV_PID; fusermount3 -u -z $SRV/dev"
for ((i=0; i<200; i++)); do [ -S "$SRV/control" ] && break; sleep 0.05; done
UDM_RUNDIR="$SRV" udmsetup create remote --table "0 196608 linear $E2E_TMP/remote.img 0"
URI="nbd+unix:///remote?socket=$SRV/nbd.sock"

A="$E2E_TMP/a.img"; sparse_file "$A" 96M
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices { devices = [ \"$A\", \"$URI\" ] }" > "$UDM_LVM_CONFIG"
start_daemon

expect_out "  Physical volume \"$URI\" successfully created." ulvm pvcreate "$URI"
expect_out "  Physical volume \"$A\" successfully created.
  Volume group \"vg0\" successfully created" ulvm vgcreate vg0 "$A"
expect_out '  Volume group "vg0" successfully extended' ulvm vgextend vg0 "$URI"
expect_out "  $A|vg0
  $URI|vg0" ulvm pvs --noheadings --separator '|' -o pv_name,vg_name
ulvm lvcreate -y -i 2 -I 64k -L 128M -n lv vg0 >/dev/null || fail "lvcreate"
table=$(udmsetup table vg0-lv)
expect_eq "$table" "0 262144 striped 2 128 $A 2048 $URI 2048" "table"
# deps lists device numbers: a file or an NBD export has none (docs/exports.md).
expect_eq "$(udmsetup deps vg0-lv)" "0 dependencies	:" "deps"

DEV="$UDM_RUNDIR/dev/vg0/lv"
wait_for_file "$DEV"
loop_on "$DEV"
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$LOOP"
mount_on "$LOOP" "$E2E_TMP/mnt"
write_tree "$E2E_TMP/mnt/tree"
umount "$E2E_TMP/mnt"
e2fsck -fn "$LOOP" >"$E2E_TMP/fsck" 2>&1 || { cat "$E2E_TMP/fsck"; fail "fsck after writing"; }
detach_loop "$LOOP"
# Half the stripes landed on the remote export.
[ "$(du -k "$E2E_TMP/remote.img" | cut -f1)" -gt 10000 ] || fail "nothing written to the remote export"

expect_out '  0 logical volume(s) in volume group "vg0" now active' ulvm vgchange -an vg0
expect_out '  1 logical volume(s) in volume group "vg0" now active' ulvm vgchange -ay vg0
wait_for_file "$DEV"
loop_on "$DEV"
e2fsck -fn "$LOOP" >"$E2E_TMP/fsck" 2>&1 || { cat "$E2E_TMP/fsck"; fail "fsck after reactivation"; }
mount_on "$LOOP" "$E2E_TMP/mnt2"
check_tree "$E2E_TMP/mnt2/tree"
umount "$E2E_TMP/mnt2"
detach_loop "$LOOP"
ulvm vgchange -an vg0 >/dev/null
echo OK
