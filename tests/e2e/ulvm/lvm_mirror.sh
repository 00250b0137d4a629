#!/bin/bash
# --type mirror LVs, end to end. ulvm lvcreate --type mirror (disk log and
# core log) lays out lvm2's _mimage_N/_mlog sub-LVs, which real lvm2 reads
# (vgck, lvs -a segtype/devices); the LV activates as lvm2's mirror table,
# syncs (Cpy%Sync 100.00) and both images hold the same bytes. Then the other
# way: mirror LVs converted by real lvm2 (lvconvert --type mirror, core and
# disk log) activate in udm and read the bytes written under them.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup losetup lvm md5sum
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root"; exit 77; }
loop_pvs 3
start_daemon

ulvm vgcreate vgm "${P[@]}" >/dev/null || fail vgcreate
expect_out '  Logical volume "m" created.' ulvm lvcreate --type mirror -m 1 -L 12M -n m vgm
expect_out '  Logical volume "c" created.' ulvm lvcreate --type mirror -m 1 --mirrorlog core -L 8M -n c vgm
# What real lvm2 sees: the layout it would have made.
lvm vgck --config "$CFG" vgm 2>"$E2E_TMP/vgck.err" || fail "real vgck: $(cat "$E2E_TMP/vgck.err")"
got=$(lvm lvs --config "$CFG" -a --noheadings -o name,segtype,devices,mirror_log vgm 2>/dev/null | awk '{$1=$1};1')
expect_eq "$got" "c mirror c_mimage_0(0),c_mimage_1(0)
[c_mimage_0] linear ${P[0]}(3)
[c_mimage_1] linear ${P[1]}(3)
m mirror m_mimage_0(0),m_mimage_1(0) [m_mlog]
[m_mimage_0] linear ${P[0]}(0)
[m_mimage_1] linear ${P[1]}(0)
[m_mlog] linear ${P[2]}(0)" "real lvs -a of ulvm's mirrors"
# The tables lvm2 loads.
t=$(udmsetup table vgm-m)
[[ "$t" == "0 24576 mirror disk 2 "*" 4096 2 "*" 0 "*" 0 1 handle_errors" ]] || fail "mirror table: $t"
[[ "$(udmsetup table vgm-c)" == "0 16384 mirror core 1 4096 2 "*" 0 "*" 0 1 handle_errors" ]] || fail "core table"
udmsetup info vgm-m_mlog >/dev/null || fail "no log device"
# Data written through the mirror lands on both images once in sync.
head -c $((12 << 20)) /dev/urandom >"$E2E_TMP/data"
dd if="$E2E_TMP/data" of="$UDM_RUNDIR/dev/vgm/m" bs=1M oflag=direct conv=notrunc status=none || fail "write"
for ((i=0; i<300; i++)); do
  [ "$(ulvm lvs --noheadings -o copy_percent vgm/m vgm/c | xargs)" == "100.00 100.00" ] && break
  sleep 0.1
done
expect_eq "$(ulvm lvs --noheadings -o lv_name,copy_percent,mirror_log vgm/m | xargs)" "m 100.00 [m_mlog]" "lvs Cpy%Sync"
want=$(md5sum <"$E2E_TMP/data")
expect_eq "$(md5sum <"$UDM_RUNDIR/dev/vgm/m")" "$want" "mirror reads"
expect_eq "$(md5sum <"$UDM_RUNDIR/dev/mapper/vgm-m_mimage_0")" "$want" "image 0"
expect_eq "$(md5sum <"$UDM_RUNDIR/dev/mapper/vgm-m_mimage_1")" "$want" "image 1"
expect_out '  Logical volume "c" successfully removed.' ulvm lvremove -f vgm/c
[ -z "$(ulvm lvs -a --noheadings -o name vgm/c_mimage_0 2>/dev/null)" ] || fail "images left after lvremove"
ulvm vgchange -an vgm >/dev/null || fail "vgchange -an"
ulvm vgremove -f vgm >/dev/null || fail vgremove

# Mirrors made by real lvm2 activate in udm. lvm2 wipes a new disk log
# through dm, which it cannot do without it: blank the old VG's log here.
dd if=/dev/zero of="${P[2]}" bs=1M count=8 oflag=direct status=none
# Mirrors made by real lvm2 activate in udm and read the bytes under them.
lvm pvcreate --config "$CFG" -ff -y "${P[@]}" >/dev/null 2>&1 || fail "real pvcreate"
lvm vgcreate --config "$CFG" vgr "${P[@]}" >/dev/null 2>&1 || fail "real vgcreate"
for lv in core disk; do
  lvm lvcreate --config "$CFG" -an -Zn -L 8M -n $lv vgr "${P[0]}" >/dev/null 2>&1 || fail "real lvcreate $lv"
done
# The LVs' bytes before conversion: image 0 keeps them, as in lvm2.
head -c $((16 << 20)) /dev/urandom >"$E2E_TMP/pv0data"
dd if="$E2E_TMP/pv0data" of="${P[0]}" bs=1M seek=1 oflag=direct conv=notrunc status=none
for lv in core disk; do
  lvm lvconvert --config "$CFG" -y --type mirror -m1 --mirrorlog $lv vgr/$lv >/dev/null 2>&1 || fail "real lvconvert $lv"
done
segs() { sed -n '/--- Segments ---/,$p'; }
expect_eq "$(ulvm lvdisplay -m vgr/disk | segs)" "$(lvm lvdisplay --config "$CFG" -m vgr/disk 2>/dev/null | segs)" "lvdisplay -m"
ulvm vgchange -ay vgr >/dev/null || fail "vgchange -ay of lvm2's mirrors"
expect_eq "$(md5sum <"$UDM_RUNDIR/dev/vgr/core")" "$(head -c $((8 << 20)) "$E2E_TMP/pv0data" | md5sum)" "lvm2 core-log mirror"
expect_eq "$(md5sum <"$UDM_RUNDIR/dev/vgr/disk")" "$(tail -c $((8 << 20)) "$E2E_TMP/pv0data" | md5sum)" "lvm2 disk-log mirror"
[[ "$(udmsetup table vgr-disk)" == "0 16384 mirror disk 2 "* ]] || fail "lvm2 disk mirror table"
ulvm vgchange -an vgr >/dev/null || fail "vgchange -an"
echo OK
