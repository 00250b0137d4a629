#!/bin/bash
# pvmove end to end, with the LVs in use. ext4 on a two-segment LV is being
# written while its PV is moved; ulvm is killed (SIGKILL) halfway, after a
# segment was committed: the metadata then is lvm2's (pvmove0 mirror, LVs
# LOCKED on pvmove0; real vgck accepts it, lvs shows Move), and a bare
# `pvmove` continues to 100.00% with lvm2's progress lines. After it every
# LV is on the destination, real vgck accepts the VG, fsck is clean and
# every file written before and during the move reads back the same. Then
# `pvmove --abort` of a move in the background leaves the LV on its source
# with its data.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/../exports/common.sh"
requires udmd udmsetup losetup lvm md5sum mkfs.ext4 e2fsck mount
[ -w /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root"; exit 77; }
loop_pvs 3
real_vgck() { lvm vgck --config "$CFG" vgp 2>"$E2E_TMP/vgck.err" || fail "real vgck ($1): $(cat "$E2E_TMP/vgck.err")"; }
start_daemon

ulvm vgcreate vgp "${P[@]}" >/dev/null || fail vgcreate
# fs in two pieces on pv0, with gap between them, raw after them.
ulvm lvcreate -L 12M -n fs vgp "${P[0]}" >/dev/null || fail "lvcreate fs"
ulvm lvcreate -L 4M -n gap vgp "${P[0]}" >/dev/null || fail "lvcreate gap"
ulvm lvextend -L 24M vgp/fs "${P[0]}" >/dev/null || fail "lvextend fs"
ulvm lvcreate -L 8M -n raw vgp "${P[0]}" >/dev/null || fail "lvcreate raw"
DEV="$UDM_RUNDIR/dev/vgp"
head -c $((8 << 20)) /dev/urandom >"$E2E_TMP/raw"
dd if="$E2E_TMP/raw" of="$DEV/raw" bs=1M oflag=direct conv=notrunc status=none || fail "write raw"
loop_on "$DEV/fs"; FS_LOOP=$LOOP
mkfs.ext4 -q -F "$FS_LOOP"
mount_on "$FS_LOOP" "$E2E_TMP/mnt"
M="$E2E_TMP/mnt"
for i in $(seq 1 20); do head -c $((i * 20000)) /dev/urandom >"$M/before$i"; done
(cd "$M" && md5sum before*) >"$E2E_TMP/before.md5"

# A writer keeps adding files (and their checksums) while the PV moves.
writer() {
  local i=0
  while [ ! -e "$E2E_TMP/stop" ]; do
    i=$((i + 1))
    head -c 150000 /dev/urandom >"$M/during$i" || break
    sync "$M/during$i"
    (cd "$M" && md5sum "during$i") >>"$E2E_TMP/during.md5"
    if [ $i -ge 60 ]; then sleep 0.2; fi
  done
}
writer &
WRITER=$!
cleanup_fn "touch $E2E_TMP/stop"

# Killed halfway: after the first segment was committed as moved.
ulvm pvmove -i 1 "${P[0]}" "${P[1]}" >"$E2E_TMP/first.out" 2>&1 &
PV_PID=$!
# (A line of a third or more but under 100%: the first of fs's segments,
# 3 of the 9 extents, was in sync and committed before the line was printed.)
halfway() { awk -F'Moved: ' '{ p = $2 + 0 } p >= 33.33 && p < 100 { h = 1 } END { exit !h }' "$1"; }
for ((i=0; i<300; i++)); do
  halfway "$E2E_TMP/first.out" && break
  sleep 0.1
done
grep -q "Moved: 100.00%" "$E2E_TMP/first.out" && fail "the move ended before the kill: $(cat "$E2E_TMP/first.out")"
kill -KILL $PV_PID; wait $PV_PID 2>/dev/null || true
head -1 "$E2E_TMP/first.out" | grep -qx "  ${P[0]}: Moved: [0-9.]*%" || fail "progress line: $(head -1 "$E2E_TMP/first.out")"
real_vgck "pvmove killed"
lvm vgcfgbackup --config "$CFG" -f "$E2E_TMP/mid.vg" vgp >/dev/null 2>&1 || fail "real vgcfgbackup"
grep -q 'status = \["READ", "WRITE", "PVMOVE", "LOCKED"\]' "$E2E_TMP/mid.vg" || fail "pvmove0 status"
grep -q 'extents_moved = 3' "$E2E_TMP/mid.vg" || fail "no segment committed as moved"
grep -q '"pvmove0", 0' "$E2E_TMP/mid.vg" || fail "fs not on pvmove0"
expect_eq "$(ulvm lvs -a --noheadings -o name,move_pv vgp | grep pvmove0 | sort -u | xargs)" "[pvmove0] ${P[0]}" "lvs Move"
expect_eq "$(ulvm lvs --noheadings -o lv_attr vgp/fs | xargs)" "-wI-ao----" "locked LV attr"
expect_fail 5 "  Can't resize locked logical volume vgp/fs." ulvm lvextend -L +4M vgp/fs
expect_fail 5 "  Can't remove locked logical volume vgp/raw." ulvm lvremove -f vgp/raw

# A bare pvmove continues.
ulvm pvmove -i 1 >"$E2E_TMP/second.out" 2>&1 || fail "bare pvmove: $(cat "$E2E_TMP/second.out")"
tail -1 "$E2E_TMP/second.out" | grep -qx "  ${P[0]}: Moved: 100.00%" || fail "last progress line: $(cat "$E2E_TMP/second.out")"
touch "$E2E_TMP/stop"; wait $WRITER || fail "the writer failed"
real_vgck "pvmove done"
got=$(lvm lvs --config "$CFG" -a --noheadings -o name,devices vgp 2>/dev/null | awk '{$1=$1};1')
expect_eq "$got" "fs ${P[1]}(0)
gap ${P[1]}(6)
raw ${P[1]}(7)" "real lvs after pvmove"
expect_eq "$(udmsetup ls | grep -c pvmove)" "0" "pvmove0 device left"
[ "$(wc -l <"$E2E_TMP/during.md5")" -gt 5 ] || fail "the writer wrote too little"
umount "$M"
e2fsck -fn "$FS_LOOP" >"$E2E_TMP/fsck.out" 2>&1 || fail "fsck: $(cat "$E2E_TMP/fsck.out")"
mount "$FS_LOOP" "$M" || fail remount
(cd "$M" && md5sum --quiet -c "$E2E_TMP/before.md5" && md5sum --quiet -c "$E2E_TMP/during.md5") || fail "file contents changed"
expect_eq "$(md5sum <"$DEV/raw")" "$(md5sum <"$E2E_TMP/raw")" "raw LV"
umount "$M"

# --abort: the move in the background stops; raw stays on pv1 with its data.
ulvm pvmove -b -i +3 -n raw "${P[1]}" "${P[2]}" >/dev/null 2>&1 || fail "pvmove -b"
[ -n "$(ulvm lvs -a --noheadings -o name vgp | grep pvmove0)" ] || fail "no pvmove0 after pvmove -b"
ulvm pvmove --abort >/dev/null || fail "pvmove --abort"
real_vgck "aborted"
expect_eq "$(ulvm lvs -a --noheadings -o name,devices vgp/raw | xargs)" "raw ${P[1]}(7)" "raw after abort"
[ -z "$(ulvm lvs -a --noheadings -o name vgp | grep pvmove)" ] || fail "pvmove0 left after abort"
expect_eq "$(md5sum <"$DEV/raw")" "$(md5sum <"$E2E_TMP/raw")" "raw after abort"
expect_eq "$(ulvm lvs --noheadings -o lv_attr vgp/raw | xargs)" "-wi-a-----" "raw unlocked"
sleep 3.5  # the background poller sees the move gone and exits

# A destination in pieces: pvmove0's segment splits, and so does raw's.
for lv in k1 h1 k2 h2; do ulvm lvcreate -L 4M -n $lv vgp "${P[2]}" >/dev/null || fail "lvcreate $lv"; done
ulvm lvcreate -l 100%FREE -n k3 vgp "${P[2]}" >/dev/null || fail "lvcreate k3"
ulvm lvremove -f vgp/h1 vgp/h2 >/dev/null || fail "lvremove holes"
ulvm pvmove -i 0 -n vgp/raw "${P[1]}" "${P[2]}" >/dev/null || fail "pvmove onto pieces"
real_vgck "pieces"
expect_eq "$(ulvm lvs --segments --noheadings -o name,devices vgp/raw | xargs)" "raw ${P[2]}(1) raw ${P[2]}(3)" "raw in pieces"
expect_eq "$(md5sum <"$DEV/raw")" "$(md5sum <"$E2E_TMP/raw")" "raw after a move onto pieces"
echo OK
