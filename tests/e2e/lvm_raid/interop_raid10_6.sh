#!/bin/bash
# raid10 and raid6 with real lvm2, both ways. LVs described by real lvm2
# (placeholder LVs retyped and restored with real vgcfgrestore, as lvm2
# refuses raid without device-mapper) activate in udm and read back what was
# written; on the PVs the bytes sit where md's raid10 "near" layout and
# raid6_zr (P and Q checked) put them. raid10/raid6 LVs made by ulvm pass
# real vgck, and real lvs -a shows their segment types, stripes and sub-LVs
# as ulvm does.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup python3 lvm losetup
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
HERE=$(dirname "$0")
lvm2_vg_on_loops 5 rv
for i in 0 1 2 3; do R lvcreate -an -Zn -Wn -l 1 -n "p_r10_M_$i" rv "${L[i]}"; R lvcreate -an -Zn -Wn -l 2 -n "p_r10_I_$i" rv "${L[i]}"; done
for i in 0 1 2 3 4; do R lvcreate -an -Zn -Wn -l 1 -n "p_r6_M_$i" rv "${L[i]}"; R lvcreate -an -Zn -Wn -l 2 -n "p_r6_I_$i" rv "${L[i]}"; done
R vgcfgbackup -f "$E2E_TMP/rv.vg" rv
python3 "$HERE/craft.py" "$E2E_TMP/rv.vg" r10:raid10:4:4:128 r6:raid6_zr:5:6:128 || fail "craft"
R vgcfgrestore -f "$E2E_TMP/rv.vg" rv
R vgck rv
O=lv_name,segtype,stripes,data_stripes,data_copies,region_size,stripe_size,devices
real() { lvm "$@" --config "$CFG" 2>/dev/null; }
real lvs -a -o "$O" rv >"$E2E_TMP/real.lvs"
grep -q "r6  *raid6_zr  *5  *3  *3" "$E2E_TMP/real.lvs" || fail "lvm2 does not see r6: $(cat "$E2E_TMP/real.lvs")"

expect_eq "$(ulvm lvs -a -o "$O" rv)" "$(cat "$E2E_TMP/real.lvs")" "ulvm lvs of lvm2's raid10/raid6"
start_daemon
expect_out '  2 logical volume(s) in volume group "rv" now active' ulvm vgchange -ay rv
m() { udmsetup info "$1" | sed -n 's/^Major, minor: *\([0-9]*\), *\([0-9]*\)$/\1:\2/p'; }
devs() { local i out=""; for ((i=0; i<$2; i++)); do out="$out $(m "rv-$1_rmeta_$i") $(m "rv-$1_rimage_$i")"; done; echo "$out"; }
expect_eq "$(udmsetup table rv-r10)" "0 32768 raid raid10 3 128 region_size 1024 4$(devs r10 4)" "r10 table"
expect_eq "$(udmsetup table rv-r6)" "0 49152 raid raid6_zr 3 128 region_size 1024 5$(devs r6 5)" "r6 table"
wait_idle rv-r10; wait_idle rv-r6
head -c $((24 << 20)) /dev/urandom > "$E2E_TMP/data"
head -c $((16 << 20)) "$E2E_TMP/data" > "$E2E_TMP/data10"
dd if="$E2E_TMP/data10" of="$UDM_RUNDIR/dev/rv/r10" bs=1M oflag=direct conv=notrunc status=none || fail "write r10"
dd if="$E2E_TMP/data" of="$UDM_RUNDIR/dev/rv/r6" bs=1M oflag=direct conv=notrunc status=none || fail "write r6"
cmp "$UDM_RUNDIR/dev/rv/r10" "$E2E_TMP/data10" || fail "r10 reads back other bytes"
cmp "$UDM_RUNDIR/dev/rv/r6" "$E2E_TMP/data" || fail "r6 reads back other bytes"
wait_idle rv-r10; wait_idle rv-r6
# Where each image starts on its PV: pe_start 1 MiB, 4 MiB extents.
img() { local d; d=$(dev_of "rv/$1"); echo "$d:$(( (1 << 20) + $(pe_of "rv/$1") * (4 << 20) ))"; }
imgs() { local i; for ((i=0; i<$2; i++)); do img "$1_rimage_$i"; done; }
sync
# shellcheck disable=SC2046
python3 "$HERE/layout.py" raid10 65536 "$E2E_TMP/data10" $(imgs r10 4) || fail "raid10 layout"
# shellcheck disable=SC2046
python3 "$HERE/layout.py" raid6_zr 65536 "$E2E_TMP/data" $(imgs r6 5) || fail "raid6_zr layout"

# ulvm's own raid10 and raid6 pass real vgck; real lvs -a shows what ulvm shows.
ulvm lvcreate --type raid10 -i 2 -m 1 -l 4 -n u10 rv >/dev/null 2>&1 || fail "ulvm lvcreate raid10"
ulvm lvcreate --type raid6 -i 3 -l 6 -n u6 rv >/dev/null 2>&1 || fail "ulvm lvcreate raid6"
wait_idle rv-u10; wait_idle rv-u6
ulvm vgchange -an rv >/dev/null || fail "vgchange -an"
stop_daemon  # ulvm then knows no more than lvm2 with activation off
R vgck rv
expect_eq "$(real lvs -a -o "$O" rv)" "$(ulvm lvs -a -o "$O" rv)" "real lvs -a of ulvm's raid10/raid6"
expect_eq "$(real lvs -a -o lv_name,lv_attr,segtype,devices rv)" "$(ulvm lvs -a -o lv_name,lv_attr,segtype,devices rv)" "attrs"
real lvs --noheadings -o lv_name,segtype rv/u10 rv/u6 | awk '{$1=$1};1' >"$E2E_TMP/types"
expect_eq "$(cat "$E2E_TMP/types")" "u10 raid10
u6 raid6_zr" "real segtypes"
echo OK
