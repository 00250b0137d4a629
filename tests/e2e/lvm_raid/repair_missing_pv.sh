# A raid1 LV whose PV is gone (the disk died: the PV is no longer among the
# devices): lvconvert --repair writes the VG with the PV flagged MISSING, as
# lvm2 does, and rebuilds the image on the third PV; the data reads back,
# both legs hold the same bytes, vgreduce --removemissing then drops the PV
# and real lvm2's vgck accepts the VG. Before the fix the repair failed
# with "Cannot change VG vr while PVs are missing." after it had already
# renamed the LV's devices.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup losetup lvm cmp
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
loop_pvs 3
start_daemon --no-block-devices
ulvm pvcreate -q "${P[@]}" >/dev/null || fail "pvcreate"
ulvm vgcreate -q vr "${P[@]}" >/dev/null || fail "vgcreate"
ulvm lvcreate -q -y --type raid1 -m 1 -L 16M -n r vr "${P[0]}" "${P[1]}" >/dev/null || fail "lvcreate"
wait_idle vr-r
head -c 8M /dev/urandom > "$E2E_TMP/data"
dd if="$E2E_TMP/data" of="$UDM_RUNDIR/dev/mapper/vr-r" bs=1M conv=fsync status=none || fail "write"

# The second PV is gone.
udm_devices "${P[0]}" "${P[2]}"

# A repair whose VG write fails (the first PV turned read-only) leaves the
# LV as it was: its devices keep their names (none left as _extracted) and
# the data reads back. The read-only flag outlives the loop device's detach.
cleanup_fn blockdev --setrw "${P[0]}"
blockdev --setro "${P[0]}"
not ulvm lvconvert --repair -y vr/r >/dev/null 2>&1
blockdev --setrw "${P[0]}"
names=$(udmsetup ls | cut -f1 | sort | tr '\n' ' ')
expect_eq "$names" "vr-r vr-r_rimage_0 vr-r_rimage_1 vr-r_rmeta_0 vr-r_rmeta_1 " "devices after the failed repair"
cmp <(head -c 8M "$UDM_RUNDIR/dev/mapper/vr-r") "$E2E_TMP/data" || fail "data after the failed repair"
out=$(ulvm lvconvert --repair -y vr/r 2>"$E2E_TMP/err") || fail "repair: $(cat "$E2E_TMP/err")"
expect_eq "$out" "  Faulty devices in vr/r successfully replaced." "repair message"
grep -q "Couldn't find device with uuid" "$E2E_TMP/err" || fail "no missing-PV warning: $(cat "$E2E_TMP/err")"
wait_idle vr-r
expect_eq "$(ulvm lvs -a --noheadings -o devices vr/r_rimage_1 2>/dev/null | tr -d ' ')" "${P[2]}(1)" "new image on the third PV"
cmp <(head -c 8M "$UDM_RUNDIR/dev/mapper/vr-r") "$E2E_TMP/data" || fail "data after repair"
cmp "$UDM_RUNDIR/dev/mapper/vr-r_rimage_0" "$UDM_RUNDIR/dev/mapper/vr-r_rimage_1" || fail "legs differ after the rebuild"
names=$(udmsetup ls | cut -f1 | sort | tr '\n' ' ')
expect_eq "$names" "vr-r vr-r_rimage_0 vr-r_rimage_1 vr-r_rmeta_0 vr-r_rmeta_1 " "devices after the repair (the replaced ones removed)"
meta=$(ulvm vgcfgbackup -f "$E2E_TMP/vr.txt" vr >/dev/null 2>&1; cat "$E2E_TMP/vr.txt")
grep -q '"MISSING"' <<<"$meta" || fail "the gone PV not flagged MISSING"

out=$(ulvm vgreduce --removemissing vr 2>/dev/null) || fail "vgreduce --removemissing"
grep -qF "Wrote out consistent volume group vr." <<<"$out" || fail "vgreduce message: $out"
CFG=$(lvm_cfg "${P[0]}" "${P[2]}")
lvm vgck vr --config "$CFG" >/dev/null 2>"$E2E_TMP/vgck" || fail "real vgck: $(cat "$E2E_TMP/vgck")"
[ "$(lvm vgs --noheadings -o pv_count vr --config "$CFG" 2>/dev/null | tr -d ' ')" == 2 ] || fail "real vgs: PV count"
ulvm lvchange -an vr/r >/dev/null || fail "deactivate"
echo PASS
