# Activation through udmd: vgchange -ay makes each LV a dm device whose FUSE
# file (<rundir>/dev/VG/LV) reads back the bytes of its extents on the PVs;
# lvs shows 'a' (and 'o' while open) in lv_attr; deactivation is refused
# while the device is open.
. "$(dirname "$0")/common.sh"
requires udmd python3
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
A="$E2E_TMP/a.img"; B="$E2E_TMP/b.img"
sparse_file "$A" 64M; sparse_file "$B" 64M
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = $A,$B" > "$UDM_LVM_CONFIG"
ulvm vgcreate vg0 "$A" "$B" >/dev/null || fail "vgcreate"
ulvm lvcreate -an -L 8M -n lin vg0 >/dev/null || fail "lvcreate lin"
ulvm lvcreate -an -L 8M -i 2 -I 64k -n str-1 vg0 >/dev/null || fail "lvcreate str-1"
ulvm lvcreate -an -L 4M -n other vg0 >/dev/null || fail "lvcreate other"
ulvm lvextend -L +8M vg0/lin >/dev/null || fail "lvextend"   # second segment
ulvm lvcreate -an --type zero -L 4M -n z vg0 >/dev/null || fail "lvcreate zero"
# Known bytes in the data areas (after pe_start = 1 MiB).
python3 -c "
import os
for p in ['$A', '$B']:
    with open(p, 'r+b') as f:
        f.seek(1 << 20); f.write(os.urandom(40 << 20))"

start_daemon
expect_out '  4 logical volume(s) in volume group "vg0" now active' ulvm vgchange -ay vg0
expect_out '  lin   -wi-a-----
  other -wi-a-----
  str-1 -wi-a-----
  z     vwi-a-v---' ulvm lvs --noheadings -o lv_name,lv_attr
for lv in lin str-1 z; do
  f="$UDM_RUNDIR/dev/vg0/$lv"
  for ((i=0; i<100; i++)); do [ -e "$f" ] && break; sleep 0.05; done
  [ -e "$f" ] || fail "no FUSE file $f"
  ulvm lvs --noheadings --separator '|' --units s --nosuffix \
    -o seg_start,seg_size,stripes,stripe_size,devices,segtype "vg0/$lv" |
    python3 "$(dirname "$0")/expected_lv.py" 2048 8192 > "$E2E_TMP/expected"
  [ "$(stat -c %s "$f")" == "$(stat -c %s "$E2E_TMP/expected")" ] || fail "$lv: size differs"
  cmp "$f" "$E2E_TMP/expected" || fail "$lv: bytes differ from its extents"
done
# The dm name doubles hyphens; the uuid is LVM-<vg id><lv id>.
[ -e "$UDM_RUNDIR/dev/mapper/vg0-str--1" ] || fail "no dev/mapper/vg0-str--1"

exec 7<"$UDM_RUNDIR/dev/vg0/lin"
[ "$(ulvm lvs --noheadings -o lv_attr vg0/lin | tr -d ' ')" == "-wi-ao----" ] || fail "open LV not shown 'o'"
expect_fail 5 '  Logical volume vg0/lin in use.' ulvm lvchange -an vg0/lin
exec 7<&-
# FUSE reports the close asynchronously: retry briefly.
retry() { local i; for ((i=0; i<50; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done; "$@"; }
retry ulvm lvchange -an vg0/lin || fail "lvchange -an"
[ "$(ulvm lvs --noheadings -o lv_attr vg0/lin | tr -d ' ')" == "-wi-------" ] || fail "inactive LV attr"
[ -e "$UDM_RUNDIR/dev/vg0/lin" ] && fail "FUSE file still there after -an"
# Extending an active LV reloads its table.
ulvm lvextend -L +4M vg0/other >/dev/null || fail "lvextend active"
[ "$(stat -c %s "$UDM_RUNDIR/dev/vg0/other")" == $((8 << 20)) ] || fail "active LV not resized"
# lvcreate activates by default when udmd runs; rename follows to the device.
expect_out '  Logical volume "auto" created.' ulvm lvcreate -L 4M -n auto vg0
for ((i=0; i<100; i++)); do [ -e "$UDM_RUNDIR/dev/vg0/auto" ] && break; sleep 0.05; done
[ -e "$UDM_RUNDIR/dev/vg0/auto" ] || fail "lvcreate did not activate"
expect_out '  Renamed "auto" to "auto2" in volume group "vg0"' ulvm lvrename vg0 auto auto2
[ -e "$UDM_RUNDIR/dev/mapper/vg0-auto2" ] || fail "dm device not renamed"
# Removing an open LV is refused and keeps it; closed, it goes with its device.
exec 8<"$UDM_RUNDIR/dev/mapper/vg0-auto2"
expect_fail 5 '  Logical volume vg0/auto2 in use.' ulvm lvremove -y vg0/auto2
exec 8<&-
expect_out '  auto2' ulvm lvs --noheadings -o lv_name vg0/auto2
retry ulvm lvchange -an vg0/auto2 || fail "lvchange -an auto2"
expect_out '  Logical volume "auto2" successfully removed.' ulvm lvremove -y vg0/auto2
[ -e "$UDM_RUNDIR/dev/mapper/vg0-auto2" ] && fail "device left after lvremove"
expect_out '  0 logical volume(s) in volume group "vg0" now active' ulvm vgchange -an vg0
echo PASS
