# pvdisplay -m prints the same bytes as real lvm2's on the same PVs: linear
# LVs in several segments, a striped LV across both PVs, free gaps between
# used runs and at the end, a PV given by name, and a PV with no LV at all.
. "$(dirname "$0")/common.sh"
requires lvm losetup
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
sparse_file "$E2E_TMP/a.img" 64M; sparse_file "$E2E_TMP/b.img" 64M; sparse_file "$E2E_TMP/c.img" 32M
A=$(attach_loop "$E2E_TMP/a.img"); B=$(attach_loop "$E2E_TMP/b.img"); C=$(attach_loop "$E2E_TMP/c.img")
CFG=$(lvm_cfg "$A" "$B" "$C")
L() { lvm "$@" --config "$CFG" 2>"$E2E_TMP/lvm.err" || fail "lvm $*: $(cat "$E2E_TMP/lvm.err")"; }
L pvcreate -q "$A" "$B" "$C" >/dev/null
L vgcreate -q vgx "$A" "$B" >/dev/null
L vgcreate -q vgy "$C" >/dev/null
L lvcreate -q -an -Zn -L 12M -n lv0 vgx "$A" >/dev/null
L lvcreate -q -an -Zn -L 8M -i2 -I 32k -n str vgx >/dev/null
L lvcreate -q -an -Zn -l 3 -n gap vgx "$A" >/dev/null
L lvcreate -q -an -Zn -l 2 -n lv2 vgx "$A" >/dev/null
L lvremove -q -y vgx/gap >/dev/null
L lvcreate -q -an -Zn --type zero -L 8M -n z vgx >/dev/null
L lvextend -q -L +8M vgx/lv0 "$A" >/dev/null

same() {  # same ARGS...: real lvm2 and ulvm print the same bytes
  L "$@" >"$E2E_TMP/real.out"
  ulvm "$@" --devices "$A,$B,$C" >"$E2E_TMP/ours.out" 2>"$E2E_TMP/ulvm.err" || fail "ulvm $*: $(cat "$E2E_TMP/ulvm.err")"
  cmp -s "$E2E_TMP/real.out" "$E2E_TMP/ours.out" || fail "ulvm $* differs from lvm2:
$(diff "$E2E_TMP/real.out" "$E2E_TMP/ours.out")"
}
# (Which VG comes first when pvdisplay lists all of them is not -m's business.)
same pvdisplay -m "$A" "$B"
same pvdisplay --maps "$B"
same pvdisplay -m "$C"
L pvdisplay -m "$A" >"$E2E_TMP/a.out"
grep -qx "  Physical extent 4 to 6:" "$E2E_TMP/a.out" || fail "no free gap in the setup: $(cat "$E2E_TMP/a.out")"
grep -qxF "    Logical extents	3 to 4" "$E2E_TMP/a.out" || fail "no second lv0 segment in the setup"
echo PASS
