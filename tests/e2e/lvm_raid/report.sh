#!/bin/bash
# lv_attr, lvdisplay and the raid/mirror report fields: ulvm prints what
# real lvm2 prints on the same PVs. Real lvm2 makes the LVs: raid1 (with
# writebehind and recovery rates), raid10 and raid6_zr restored by real
# vgcfgrestore (lvm2 refuses raid without device-mapper), mirrors converted
# by real lvconvert (mirrored, disk and core log; one marked NOTSYNCED as
# --nosync leaves it) and a pvmove real lvm2 started. With no udmd both
# print 'X' for the state lvm2 cannot know. Then in udm: the letters of
# active mirrors and raids once in sync, and 'p' when a PV is missing.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup python3 lvm losetup
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
HERE=$(dirname "$0")
lvm2_vg_on_loops 5 rv
for i in 0 1; do R lvcreate -an -Zn -Wn -l 1 -n "p_r1_M_$i" rv "${L[i]}"; R lvcreate -an -Zn -Wn -l 2 -n "p_r1_I_$i" rv "${L[i]}"; done
for i in 0 1 2 3; do R lvcreate -an -Zn -Wn -l 1 -n "p_r10_M_$i" rv "${L[i]}"; R lvcreate -an -Zn -Wn -l 2 -n "p_r10_I_$i" rv "${L[i]}"; done
for i in 0 1 2 3 4; do R lvcreate -an -Zn -Wn -l 1 -n "p_r6_M_$i" rv "${L[i]}"; R lvcreate -an -Zn -Wn -l 2 -n "p_r6_I_$i" rv "${L[i]}"; done
for lv in a b c; do R lvcreate -an -Zn -Wn -l 1 -n $lv rv "${L[0]}"; done
R vgcfgbackup -f "$E2E_TMP/rv.vg" rv
python3 "$HERE/craft.py" "$E2E_TMP/rv.vg" r1:raid1:2:2::writebehind=256:min_recovery_rate=100:max_recovery_rate=2000 \
  r10:raid10:4:4:128 r6:raid6_zr:5:6:128 || fail "craft"
R vgcfgrestore -f "$E2E_TMP/rv.vg" rv
R lvconvert -y --type mirror -m1 --mirrorlog mirrored rv/a
R lvconvert -y --type mirror -m1 rv/b
R lvconvert -y --type mirror -m1 --mirrorlog core rv/c
# c as --nosync leaves a mirror: NOTSYNCED after VISIBLE (lvm2's flag order).
R vgcfgbackup -f "$E2E_TMP/rv.vg" rv
python3 - "$E2E_TMP/rv.vg" <<'EOF' || fail "NOTSYNCED"
import re, sys
t = open(sys.argv[1]).read()
t, n = re.subn(r'(\n\t\tc \{\n\t\t\tid = "[^"]*"\n\t\t\tstatus = \["READ", "WRITE", "VISIBLE")\]', r'\1, "NOTSYNCED"]', t)
assert n == 1
open(sys.argv[1], 'w').write(t)
EOF
R vgcfgrestore -f "$E2E_TMP/rv.vg" rv
R lvcreate -an -Zn -Wn -l 2 -n lin rv "${L[0]}"
R pvmove -b -n lin "${L[0]}" "${L[4]}"
R vgck rv

O=lv_name,lv_attr,segtype,devices,data_copies,stripes,data_stripes,region_size,raid_write_behind
O=$O,raid_min_recovery_rate,raid_max_recovery_rate,move_pv,move_pv_uuid,mirror_log,mirror_log_uuid
O=$O,copy_percent,sync_percent,raid_mismatch_count,raid_sync_action
real() { lvm "$@" --config "$CFG" 2>/dev/null; }
real lvs -a -o "$O" rv >"$E2E_TMP/real.lvs"
grep -q "^  c  *rv  *Mwi-XXm---" "$E2E_TMP/real.lvs" || grep -q "^  c *Mwi-XXm---" "$E2E_TMP/real.lvs" || fail "lvm2 shows no M: $(cat "$E2E_TMP/real.lvs")"
expect_eq "$(ulvm lvs -a -o "$O" rv)" "$(cat "$E2E_TMP/real.lvs")" "lvs -a of raid, mirror and pvmove LVs"
for lv in r1 r10 r6 a b c lin; do
  expect_eq "$(ulvm lvdisplay "rv/$lv")" "$(real lvdisplay "rv/$lv")" "lvdisplay rv/$lv"
done

# A missing PV: every LV on it (and the raid/mirror above it) is partial.
udm_devices "${L[@]:0:4}"
CFG4=$(lvm_cfg "${L[@]:0:4}")
expect_eq "$(ulvm lvs -a -o lv_name,lv_attr rv 2>/dev/null)" \
  "$(lvm lvs -a -o lv_name,lv_attr rv --config "$CFG4" 2>/dev/null)" "lvs -a with a PV missing"
ulvm lvs -a --noheadings -o lv_name,lv_attr rv 2>/dev/null | grep -q "r6 *rwi-XXr-p-" || fail "r6 not partial"

# Active in udm (ulvm finishes lvm2's pvmove first): letters lvm2 gives
# active LVs, from the targets' status.
udm_devices "${L[@]}"
start_daemon
ulvm vgchange -ay rv >/dev/null 2>&1 || fail "vgchange -ay"
ulvm pvmove -i 0 >/dev/null 2>&1 || fail "ulvm finishing lvm2's pvmove"
for ((i=0; i<300; i++)); do
  [ "$(ulvm lvs --noheadings -o copy_percent rv/a rv/b rv/r1 rv/r10 rv/r6 | xargs)" == \
    "100.00 100.00 100.00 100.00 100.00" ] && break
  sleep 0.1
done
got=$(ulvm lvs -a --noheadings -o lv_name,lv_attr,copy_percent rv | awk '{$1=$1};1')
want="r1 rwi-a-r--- 100.00
[r1_rimage_0] iwi-aor---
[r1_rimage_1] iwi-aor---
[r1_rmeta_0] ewi-aor---
[r1_rmeta_1] ewi-aor---
r10 rwi-a-r--- 100.00
[r10_rimage_0] iwi-aor---
[r10_rimage_1] iwi-aor---
[r10_rimage_2] iwi-aor---
[r10_rimage_3] iwi-aor---
[r10_rmeta_0] ewi-aor---
[r10_rmeta_1] ewi-aor---
[r10_rmeta_2] ewi-aor---
[r10_rmeta_3] ewi-aor---
r6 rwi-a-r--- 100.00
[r6_rimage_0] iwi-aor---
[r6_rimage_1] iwi-aor---
[r6_rimage_2] iwi-aor---
[r6_rimage_3] iwi-aor---
[r6_rimage_4] iwi-aor---
[r6_rmeta_0] ewi-aor---
[r6_rmeta_1] ewi-aor---
[r6_rmeta_2] ewi-aor---
[r6_rmeta_3] ewi-aor---
[r6_rmeta_4] ewi-aor---
a mwi-a-m--- 100.00
[a_mimage_0] iwi-aom---
[a_mimage_1] iwi-aom---
[a_mlog] mwi-aom--- 100.00
[a_mlog_mimage_0] iwi-aom---
[a_mlog_mimage_1] iwi-aom---
b mwi-a-m--- 100.00
[b_mimage_0] iwi-aom---
[b_mimage_1] iwi-aom---
[b_mlog] lwi-aom---
c Mwi-a-m--- 100.00
[c_mimage_0] iwi-aom---
[c_mimage_1] iwi-aom---
lin -wi-a-----"
expect_eq "$(sort <<<"$got")" "$(sort <<<"$want")" "attrs of active LVs"
ulvm vgchange -an rv >/dev/null 2>&1 || fail "vgchange -an"
echo OK
