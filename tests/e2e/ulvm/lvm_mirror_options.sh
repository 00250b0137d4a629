#!/bin/bash
# lvcreate --type mirror --nosync and --mirrorlog mirrored. --nosync: lvm2's
# warning, NOTSYNCED (attr M, as real lvs shows it too), a first table with
# `nosync` and Cpy%Sync 100 at once. --mirrorlog mirrored: the layout real
# lvm2 makes (<lv>_mlog a mirror of _mlog_mimage_0/1, on PVs the images do
# not use), accepted by real vgck and lvs; it activates, syncs and lvremove
# takes every sub-LV. Then a disk log as real lvm2 writes it (header with
# nr_regions ~0, bits all clean) activates in sync, as in the kernel.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup losetup lvm md5sum
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root"; exit 77; }
loop_pvs 4
start_daemon
ulvm vgcreate vgm "${P[@]}" >/dev/null || fail vgcreate

# --nosync
ulvm lvcreate --type mirror -m 1 --nosync -L 8M -n ns vgm >"$E2E_TMP/out" 2>"$E2E_TMP/err" || fail "lvcreate --nosync: $(cat "$E2E_TMP/err")"
expect_eq "$(cat "$E2E_TMP/out")" '  Logical volume "ns" created.' "lvcreate --nosync stdout"
expect_eq "$(cat "$E2E_TMP/err")" "  WARNING: New mirror won't be synchronised. Don't read what you didn't write!" "nosync warning"
expect_eq "$(ulvm lvs --noheadings -o lv_attr,copy_percent vgm/ns | xargs)" "Mwi-a-m--- 100.00" "nosync attr"
t=$(udmsetup table vgm-ns)
[[ "$t" == "0 16384 mirror disk 3 "*" 4096 nosync 2 "* ]] || fail "nosync table: $t"

# --mirrorlog mirrored
expect_out '  Logical volume "ml" created.' ulvm lvcreate --type mirror -m 1 --mirrorlog mirrored -L 8M -n ml vgm
[[ "$(udmsetup table vgm-ml_mlog)" == "0 8192 mirror core 1 4096 2 "*" 0 "*" 0 1 handle_errors" ]] ||
  fail "mirrored log table: $(udmsetup table vgm-ml_mlog)"
m() { udmsetup info "$1" | sed -n 's/^Major, minor: *\([0-9]*\), *\([0-9]*\)$/\1:\2/p'; }
[[ "$(udmsetup table vgm-ml)" == "0 16384 mirror disk 2 $(m vgm-ml_mlog) 4096 2 "* ]] ||
  fail "mirror over a mirrored log: $(udmsetup table vgm-ml)"
head -c $((8 << 20)) /dev/urandom >"$E2E_TMP/data"
dd if="$E2E_TMP/data" of="$UDM_RUNDIR/dev/vgm/ml" bs=1M oflag=direct conv=notrunc status=none || fail "write"
for ((i=0; i<300; i++)); do
  [ "$(ulvm lvs --noheadings -o copy_percent vgm/ml | xargs)" == "100.00" ] && break
  sleep 0.1
done
expect_eq "$(ulvm lvs -a --noheadings -o lv_name,lv_attr,copy_percent,mirror_log vgm | awk '{$1=$1};1' | grep -E '^\[?ml')" \
  "ml mwi-a-m--- 100.00 [ml_mlog]
[ml_mimage_0] iwi-aom---
[ml_mimage_1] iwi-aom---
[ml_mlog] mwi-aom--- 100.00
[ml_mlog_mimage_0] iwi-aom---
[ml_mlog_mimage_1] iwi-aom---" "lvs of a mirror with a mirrored log"
want=$(md5sum <"$E2E_TMP/data")
expect_eq "$(md5sum <"$UDM_RUNDIR/dev/mapper/vgm-ml_mimage_1")" "$want" "image 1"
ulvm vgchange -an vgm >/dev/null || fail "vgchange -an"
stop_daemon  # ulvm then knows no more than lvm2 with activation off
# Real lvm2 reads it: the layout its own lvconvert --mirrorlog mirrored makes.
lvm vgck --config "$CFG" vgm 2>"$E2E_TMP/vgck.err" || fail "real vgck: $(cat "$E2E_TMP/vgck.err")"
O=lv_name,lv_attr,segtype,devices,mirror_log,mirror_log_uuid,region_size,data_copies
expect_eq "$(ulvm lvs -a -o $O vgm 2>/dev/null)" "$(lvm lvs --config "$CFG" -a -o $O vgm 2>/dev/null)" "real lvs -a"
got=$(lvm lvs --config "$CFG" -a --noheadings -o name,segtype,devices vgm 2>/dev/null | awk '{$1=$1};1' | grep -E '^\[?ml' |
  sed 's|/dev/loop[0-9]*|PV|g')
expect_eq "$got" "ml mirror ml_mimage_0(0),ml_mimage_1(0)
[ml_mimage_0] linear PV(2)
[ml_mimage_1] linear PV(2)
[ml_mlog] mirror ml_mlog_mimage_0(0),ml_mlog_mimage_1(0)
[ml_mlog_mimage_0] linear PV(1)
[ml_mlog_mimage_1] linear PV(0)" "real lvs -a of the mirrored log"
# (The table above is real lvs -a: ulvm's devices are lvm2's.)
pv_of() { ulvm lvs -a --noheadings -o devices "vgm/$1" 2>/dev/null | cut -d'(' -f1 | xargs; }
for lv in ml_mlog_mimage_0 ml_mlog_mimage_1; do
  for img in ml_mimage_0 ml_mimage_1; do
    [ "$(pv_of $lv)" != "$(pv_of $img)" ] || fail "$lv shares a PV with $img"
  done
done
[ "$(pv_of ml_mlog_mimage_0)" != "$(pv_of ml_mlog_mimage_1)" ] || fail "the log's images share a PV"
expect_eq "$(ulvm lvdisplay vgm/ml 2>/dev/null)" "$(lvm lvdisplay --config "$CFG" vgm/ml 2>/dev/null)" "lvdisplay"
expect_out '  Logical volume "ml" successfully removed.' ulvm lvremove -f vgm/ml
[ -z "$(ulvm lvs -a --noheadings -o name vgm 2>/dev/null | grep -E '^ *\[?ml')" ] || fail "sub-LVs left after lvremove"

start_daemon
# A disk log as lvm2 initialises it (MiRr, version 2, nr_regions ~0, every
# bit clean): in sync at activation, nothing copied.
ulvm vgchange -ay vgm >/dev/null 2>&1 || fail "vgchange -ay"
expect_out '  Logical volume "d" created.' ulvm lvcreate --type mirror -m 1 -L 8M -n d vgm
for ((i=0; i<300; i++)); do
  [ "$(ulvm lvs --noheadings -o copy_percent vgm/d | xargs)" == "100.00" ] && break
  sleep 0.1
done
ulvm vgchange -an vgm >/dev/null || fail "vgchange -an"
log_pv=$(ulvm lvs -a --noheadings -o devices vgm/d_mlog | sed 's/^ *\([^(]*\)(\([0-9]*\)).*/\1 \2/')
read -r dev pe <<<"$log_pv"
off=$(( (1 << 20) + pe * (4 << 20) ))
printf 'rRiM\x02\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff' | dd of="$dev" bs=1 seek=$off conv=notrunc status=none
head -c 512 /dev/zero | tr '\0' '\377' | dd of="$dev" bs=1 seek=$((off + 1024)) conv=notrunc status=none
# Image 1 differs from image 0 now: an in-sync log must not copy it back.
img1=$(ulvm lvs -a --noheadings -o devices vgm/d_mimage_1 | sed 's/^ *\([^(]*\)(\([0-9]*\)).*/\1 \2/')
read -r dev1 pe1 <<<"$img1"
head -c $((1 << 20)) /dev/urandom >"$E2E_TMP/junk"
dd if="$E2E_TMP/junk" of="$dev1" bs=1M seek=$(( 1 + pe1 * 4 )) conv=notrunc oflag=direct status=none
ulvm vgchange -ay vgm >/dev/null 2>&1 || fail "vgchange -ay over lvm2's log header"
expect_eq "$(ulvm lvs --noheadings -o copy_percent vgm/d | xargs)" "100.00" "lvm2's log: in sync"
expect_eq "$(head -c $((1 << 20)) "$UDM_RUNDIR/dev/mapper/vgm-d_mimage_1" | md5sum)" "$(md5sum <"$E2E_TMP/junk")" \
  "nothing resynced"
ulvm vgchange -an vgm >/dev/null || fail "vgchange -an"
echo OK
