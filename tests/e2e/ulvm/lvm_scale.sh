# ulvm at scale (not timed; bench/lvm times it): a VG of ${UDM_LVM_SCALE_LVS:-10000}
# LVs on a PV made with --metadatasize is read, listed and extended (the
# next lvcreate, lvremove), real lvm2 reads the same VG, and vgchange
# activates and deactivates ${UDM_LVM_SCALE_ACTIVE:-300} LVs through udmd in one batch.
. "$(dirname "$0")/common.sh"
requires udmd python3 lvm losetup
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
N=${UDM_LVM_SCALE_LVS:-10000}
ACT=${UDM_LVM_SCALE_ACTIVE:-300}
mkdir -p "$UDM_LVM_CONFDIR"
printf 'backup {\nbackup = 0\narchive = 0\n}\n' > "$UDM_LVM_CONFDIR/lvm.conf"

# make_vg VG FILE COUNT: a VG of COUNT one-extent LVs lv0..lvCOUNT-1, restored
# from a backup of one LV with the others added.
make_vg() {
  local vg=$1 f=$2 n=$3
  sparse_file "$f" $(((n + 64) * 4 + 32))M
  ulvm pvcreate --metadatasize 16m "$f" --devices "$f" >/dev/null || fail "pvcreate --metadatasize"
  ulvm vgcreate "$vg" "$f" --devices "$f" >/dev/null || fail "vgcreate $vg"
  ulvm lvcreate -an -Zn -l1 -n lv0 "$vg" --devices "$f" >/dev/null 2>&1 || fail "lvcreate lv0"
  ulvm vgcfgbackup -f "$E2E_TMP/$vg.vg" "$vg" --devices "$f" >/dev/null || fail "vgcfgbackup"
  python3 - "$E2E_TMP/$vg.vg" "$n" <<'PY' || fail "backup not grown"
import random, re, string, sys
path, n = sys.argv[1], int(sys.argv[2])
t = open(path).read()
m = re.search(r"\n(\s*)lv0 \{\n", t)
start = m.start() + 1
depth, i = 0, t.index("{", start)
while True:
    depth += {"{": 1, "}": -1}.get(t[i], 0)
    if depth == 0:
        break
    i += 1
block = t[start:i + 1]
chars = string.ascii_letters + string.digits
def lvid():
    s = "".join(random.choice(chars) for _ in range(32))
    return "-".join([s[0:6], s[6:10], s[10:14], s[14:18], s[18:22], s[22:26], s[26:32]])
out = []
for k in range(1, n):
    b = block.replace("lv0 {", "lv%d {" % k, 1)
    b = re.sub(r'id = "[^"]*"', 'id = "%s"' % lvid(), b, count=1)
    b = b.replace('"pv0", 0\n', '"pv0", %d\n' % k, 1)
    out.append("\n" + b)
open(path, "w").write(t[:i + 1] + "".join(out) + t[i + 1:])
PY
  ulvm vgcfgrestore -f "$E2E_TMP/$vg.vg" "$vg" --devices "$f" >/dev/null || fail "vgcfgrestore of $n LVs"
}

F="$E2E_TMP/big.img"
make_vg vgbig "$F" "$N"
D="--devices $F"
[ "$(ulvm lvs --noheadings -o lv_name vgbig $D | wc -l)" == "$N" ] || fail "lvs does not list $N LVs"
[ "$(ulvm vgs --noheadings -o lv_count vgbig $D | xargs)" == "$N" ] || fail "vgs #LV"
[ "$(ulvm lvs --noheadings -o lv_name,seg_pe_ranges vgbig/lv$((N - 1)) $D | xargs)" == \
  "lv$((N - 1)) $F:$((N - 1))-$((N - 1))" ] || fail "the last LV: $(ulvm lvs vgbig/lv$((N - 1)) -o+seg_pe_ranges $D)"
ulvm lvcreate -an -Zn -l1 -n extra vgbig $D >/dev/null 2>&1 || fail "lvcreate of LV $((N + 1))"
[ "$(ulvm lvs --noheadings -o seg_pe_ranges vgbig/extra $D | xargs)" == "$F:$N-$N" ] || fail "extra not on the next free extent"
expect_fail 5 "  Logical Volume \"lv7\" already exists in volume group \"vgbig\"" ulvm lvcreate -an -Zn -l1 -n lv7 vgbig $D
ulvm lvremove -y vgbig/lv7 $D >/dev/null || fail "lvremove in the middle"
[ "$(ulvm vgs --noheadings -o lv_count vgbig $D | xargs)" == "$N" ] || fail "#LV after lvcreate + lvremove"

# Real lvm2 reads the same VG.
L=$(attach_loop -r "$F")
CFG=$(lvm_cfg "$L")
[ "$(lvm lvs --noheadings -o lv_name vgbig --config "$CFG" 2>/dev/null | wc -l)" == "$N" ] || fail "lvm2 lvs count"
lvm vgck vgbig --config "$CFG" 2>&1 | grep -v "Activation disabled" | grep . && fail "lvm2 vgck complained"
detach_loop "$L"

# vgchange of many LVs: every one active with its table, then none.
FA="$E2E_TMP/act.img"
make_vg vgact "$FA" "$ACT"
start_daemon
DA="--devices $FA"
expect_out "  $ACT logical volume(s) in volume group \"vgact\" now active" ulvm vgchange -ay vgact $DA
[ "$(udmsetup ls | grep -c '^vgact-lv')" == "$ACT" ] || fail "not every LV has a device: $(udmsetup ls | wc -l)"
[ "$(udmsetup table vgact-lv$((ACT - 1)))" == "0 8192 linear $FA $((34816 + (ACT - 1) * 8192))" ] ||
  fail "table of the last LV: $(udmsetup table vgact-lv$((ACT - 1)))"
[ "$(ulvm lvs --noheadings -o lv_attr vgact $DA | grep -c -- '-wi-a-----')" == "$ACT" ] || fail "lvs does not show them active"
expect_out "  $ACT logical volume(s) in volume group \"vgact\" now active" ulvm vgchange -ay vgact $DA  # again: nothing to do
expect_out "  0 logical volume(s) in volume group \"vgact\" now active" ulvm vgchange -an vgact $DA
[ "$(udmsetup ls | grep -c '^vgact-lv' || true)" == 0 ] || fail "devices left after -an"
echo PASS
