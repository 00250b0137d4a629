#!/bin/bash
# Real lvm2 under udm-run with udmd's block devices in the real /dev: the PV
# is a udm device (/dev/mapper/<unique>), lvcreate with default zeroing and
# signature wiping succeeds and the LV's first 4 KiB are zero; lvchange
# -an/-ay, lvextend (the block device grows), lvremove. The /dev entries
# come and go; everything is removed at exit (names are unique per run).
. "$(dirname "$0")/common.sh"
requires lvm udm-run blockdev
[ -d /dev/mapper ] && [ -w /dev ] || { echo "SKIP: needs a writable /dev/mapper"; exit 77; }
export LVM_SUPPRESS_FD_WARNINGS=1
id=$$
pv="udmbdpv$id" vg="udmbdvg$id"
sparse_file "$E2E_TMP/pv.img" 160M
CFG="devices{global_filter=[\"a|^/dev/mapper/$pv\$|\",\"r|.*|\"] use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\"} global{use_lvmpolld=0} backup{backup=0 archive=0}"
L() { udm-run lvm "$1" --config "$CFG" "${@:2}"; }
cleanup_fn "L vgremove -ff -y $vg; udmsetup remove_all; rm -rf /dev/$vg; rm -f /dev/mapper/$pv /dev/mapper/$vg-*"

start_daemon  # --devdir /dev (the default)
udmsetup create "$pv" --table "0 327680 linear $E2E_TMP/pv.img 0"
[ -b "/dev/mapper/$pv" ] || fail "no /dev/mapper/$pv"
L pvcreate -y "/dev/mapper/$pv" >/dev/null
L vgcreate "$vg" "/dev/mapper/$pv" >/dev/null
# Something to wipe where the LV will start.
dd if=/dev/urandom of="$E2E_TMP/pv.img" bs=1M seek=1 count=1 conv=notrunc status=none
L lvcreate -L 32M -n a "$vg" >"$E2E_TMP/out" 2>&1 || fail "lvcreate: $(cat "$E2E_TMP/out")"
grep -q 'Logical volume "a" created.' "$E2E_TMP/out" || fail "lvcreate said: $(cat "$E2E_TMP/out")"
lv="/dev/mapper/$vg-a"
[ -b "$lv" ] || fail "no $lv"
cmp -n 4096 "$lv" /dev/zero || fail "the LV's first 4 KiB are not zero"
mm=$(devno "$vg-a")
[[ "$mm" == 7:* ]] || fail "LV devno $mm"
expect_eq "$(lsblk -dno MAJ:MIN "$lv" | tr -d ' ')" "$mm" "lsblk by the LV path"

printf 'kept' | dd of="$lv" bs=4096 seek=2 oflag=direct conv=sync status=none
L lvchange -an "$vg/a" || fail "lvchange -an"
wait_gone "$lv" || fail "$lv left after lvchange -an"
udmsetup info "$vg-a" >/dev/null 2>&1 && fail "device left after lvchange -an"
L lvchange -ay "$vg/a" || fail "lvchange -ay"
[ -b "$lv" ] || fail "no $lv after lvchange -ay"
expect_eq "$(dd if="$lv" bs=4096 skip=2 count=1 iflag=direct status=none | tr -d '\0')" "kept" "data after -an/-ay"

L lvextend -L 64M "$vg/a" >/dev/null || fail "lvextend"
expect_eq "$(blockdev --getsize64 "$lv")" "$((64 << 20))" "block device size after lvextend"
L lvremove -y "$vg/a" >/dev/null || fail "lvremove"
wait_gone "$lv" || fail "$lv left after lvremove"
L vgremove -y "$vg" >/dev/null
udmsetup remove "$pv"
wait_gone "/dev/mapper/$pv" || fail "/dev/mapper/$pv left"
stop_daemon
_check_no_loops
echo PASS
