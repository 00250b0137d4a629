# raid LVs described by real lvm2 activate in udm and keep their bytes where
# lvm2's layout puts them. lvm2 2.03 creates raid0 without device-mapper but
# refuses raid1/raid5, so those are placeholder linear LVs (allocated by real
# lvcreate) retyped in lvm2's vgcfgbackup text and restored by real
# vgcfgrestore. ulvm lvs shows what real lvs shows; vgchange -ay makes the
# _rmeta_N/_rimage_N devices and a raid table over them; data written
# through each LV is on the PVs as raid1 (every image), raid0 (round robin)
# and raid5_ls (left-symmetric, parity checked) place it; ulvm's metadata
# after a change passes real vgck.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup python3 lvm losetup
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
HERE=$(dirname "$0")
F=(); L=()
for i in 0 1 2; do
  F[i]="$E2E_TMP/p$i.img"; sparse_file "${F[i]}" 64M
  L[i]=$(attach_loop "${F[i]}")
done
CFG=$(lvm_cfg "${L[@]}")
R pvcreate "${L[@]}"
R vgcreate rv "${L[@]}"
R lvcreate -an -Zn -Wn --type raid0 -i 2 -l 4 -n r0 rv "${L[0]}" "${L[1]}"
for i in 0 1; do
  R lvcreate -an -Zn -Wn -l 1 -n "p_r1_M_$i" rv "${L[i]}"
  R lvcreate -an -Zn -Wn -l 4 -n "p_r1_I_$i" rv "${L[i]}"
done
for i in 0 1 2; do
  R lvcreate -an -Zn -Wn -l 1 -n "p_r5_M_$i" rv "${L[i]}"
  R lvcreate -an -Zn -Wn -l 2 -n "p_r5_I_$i" rv "${L[i]}"
done
R vgcfgbackup -f "$E2E_TMP/rv.vg" rv
python3 "$HERE/craft.py" "$E2E_TMP/rv.vg" r1:raid1:2:4 r5:raid5_ls:3:4:128 || fail "craft"
R vgcfgrestore -f "$E2E_TMP/rv.vg" rv
R vgck rv
lvm lvs -a --noheadings -o lv_name,segtype,stripes,data_stripes,region_size,stripe_size rv --config "$CFG" \
  2>/dev/null > "$E2E_TMP/real.lvs"
grep -q "r5 *raid5_ls *3 *2" "$E2E_TMP/real.lvs" || fail "lvm2 does not see r5: $(cat "$E2E_TMP/real.lvs")"
for i in 0 1 2; do detach_loop "${L[i]}"; done

export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = ${F[0]},${F[1]},${F[2]}" > "$UDM_LVM_CONFIG"
expect_eq "$(ulvm lvs -a --noheadings -o lv_name,segtype,stripes,data_stripes,region_size,stripe_size rv)" \
  "$(cat "$E2E_TMP/real.lvs")" "ulvm lvs"
ulvm lvdisplay -m rv/r5 | grep -q "Raid Metadata LV 2	r5_rmeta_2" || fail "lvdisplay -m r5"

start_daemon
expect_out '  3 logical volume(s) in volume group "rv" now active' ulvm vgchange -ay rv
m() { udmsetup info "$1" | sed -n 's/^Major, minor: *\([0-9]*\), *\([0-9]*\)$/\1:\2/p'; }
expect_eq "$(udmsetup table rv-r1)" \
  "0 32768 raid raid1 3 0 region_size 1024 2 $(m rv-r1_rmeta_0) $(m rv-r1_rimage_0) $(m rv-r1_rmeta_1) $(m rv-r1_rimage_1)" \
  "r1 table"
expect_eq "$(udmsetup table rv-r0)" "0 32768 raid raid0 1 128 2 - $(m rv-r0_rimage_0) - $(m rv-r0_rimage_1)" "r0 table"
expect_eq "$(udmsetup info -c --noheadings -o uuid rv-r5_rimage_2 | cut -c1-4)" "LVM-" "sub-LV uuid"
wait_idle rv-r1; wait_idle rv-r5
head -c $((16 << 20)) /dev/urandom > "$E2E_TMP/data"
for lv in r0 r1 r5; do
  dd if="$E2E_TMP/data" of="$UDM_RUNDIR/dev/rv/$lv" bs=1M oflag=direct conv=notrunc status=none || fail "write $lv"
  cmp "$UDM_RUNDIR/dev/rv/$lv" "$E2E_TMP/data" || fail "$lv reads back other bytes"
done
wait_idle rv-r1; wait_idle rv-r5
# Where each image starts on its PV file: pe_start 1 MiB, 4 MiB extents.
img() { local d; d=$(dev_of "rv/$1"); echo "$d:$(( (1 << 20) + $(pe_of "rv/$1") * (4 << 20) ))"; }
python3 "$HERE/layout.py" raid1 65536 "$E2E_TMP/data" "$(img r1_rimage_0)" "$(img r1_rimage_1)" || fail "raid1 layout"
python3 "$HERE/layout.py" raid0 65536 "$E2E_TMP/data" "$(img r0_rimage_0)" "$(img r0_rimage_1)" || fail "raid0 layout"
python3 "$HERE/layout.py" raid5_ls 65536 "$E2E_TMP/data" "$(img r5_rimage_0)" "$(img r5_rimage_1)" \
  "$(img r5_rimage_2)" || fail "raid5 layout"
attrs=$(ulvm lvs -a --noheadings -o lv_name,lv_attr,copy_percent rv | tr -s ' ' | sed 's/ *$//')
# Here-strings: bash's echo writes line by line, and a grep -q that leaves
# at its match would cut the rest off with SIGPIPE (a failure under pipefail).
grep -q "^ r1 rwi-a-r--- 100.00$" <<<"$attrs" || fail "r1 attr: $attrs"
grep -q "^ \[r1_rimage_1\] iwi-aor---$" <<<"$attrs" || fail "r1_rimage_1 attr: $attrs"
grep -q "^ \[r1_rmeta_0\] ewi-aor---$" <<<"$attrs" || fail "r1_rmeta_0 attr: $attrs"

# Metadata ulvm writes (a tag on r5) is still lvm2's: real vgck and lvs.
ulvm lvchange --addtag t1 rv/r5 >/dev/null || fail "lvchange --addtag"
ulvm vgchange -an rv >/dev/null || fail "vgchange -an"
for i in 0 1 2; do L[i]=$(attach_loop "${F[i]}"); done
CFG=$(lvm_cfg "${L[@]}")
R vgck rv
lvm lvs -a --noheadings -o lv_name,segtype,stripes,data_stripes,region_size,stripe_size rv --config "$CFG" \
  2>/dev/null > "$E2E_TMP/real2.lvs"
expect_eq "$(cat "$E2E_TMP/real2.lvs")" "$(cat "$E2E_TMP/real.lvs")" "real lvs after ulvm wrote"
echo OK
