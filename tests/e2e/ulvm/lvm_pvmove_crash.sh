#!/bin/bash
# pvmove interrupted by kill -9 of udmd and of ulvm halfway (after a segment
# was committed as moved, while the next one is being copied). udmd is
# started again (it restores its devices, the mirror of the running segment
# copies again from the source), the VG reactivated, and a bare `pvmove`
# finishes the move: every LV on the destination, the same bytes as before,
# real vgck accepts the VG. The same again with only udmd killed while ulvm
# polls: ulvm says the move is no longer active, a bare pvmove finishes it.
# Last, a pvmove real lvm2 began (metadata only) is finished by ulvm.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup losetup lvm md5sum
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root"; exit 77; }
loop_pvs 3
real_vgck() { lvm vgck --config "$CFG" vgp 2>"$E2E_TMP/vgck.err" || fail "real vgck ($1): $(cat "$E2E_TMP/vgck.err")"; }
halfway() { awk -F'Moved: ' '{ p = $2 + 0 } p > 0 && p < 100 { h = 1 } END { exit !h }' "$1"; }
start_daemon --no-fuse

ulvm vgcreate vgp "${P[@]}" >/dev/null || fail vgcreate
# Three LVs of 3 extents each on pv0 (a, b interleaved with c): 3 segments.
for lv in a b c; do ulvm lvcreate -L 12M -n $lv vgp "${P[0]}" >/dev/null || fail "lvcreate $lv"; done
for lv in a b c; do head -c $((12 << 20)) /dev/urandom >"$E2E_TMP/$lv"; done
# Without FUSE the LVs' bytes are written on the PV under them (linear, known offsets).
off=1  # MiB: pe_start
for lv in a b c; do
  dd if="$E2E_TMP/$lv" of="${P[0]}" bs=1M seek=$off oflag=direct conv=notrunc status=none
  off=$((off + 12))
done
lv_md5() {  # the LV's bytes as the metadata maps them now, read from the PVs
  local dev pe
  read -r dev pe < <(ulvm lvs --noheadings -o devices vgp/"$1" | sed 's/[()]/ /g')
  dd if="$dev" bs=1M skip=$((1 + pe * 4)) count=12 iflag=direct status=none | md5sum
}
for lv in a b c; do expect_eq "$(lv_md5 $lv)" "$(md5sum <"$E2E_TMP/$lv")" "$lv before"; done

# 1: ulvm and udmd killed halfway.
ulvm pvmove -i 1 "${P[0]}" "${P[1]}" >"$E2E_TMP/first.out" 2>&1 &
PV_PID=$!
for ((i=0; i<300; i++)); do halfway "$E2E_TMP/first.out" && break; sleep 0.1; done
grep -q "Moved: 100.00%" "$E2E_TMP/first.out" && fail "the move ended before the kill: $(cat "$E2E_TMP/first.out")"
kill -KILL "$UDMD_PID" $PV_PID
wait $PV_PID 2>/dev/null || true
wait "$UDMD_PID" 2>/dev/null || true
UDMD_PID=
real_vgck "killed"
start_daemon --no-fuse
ulvm vgchange -ay vgp >/dev/null || fail "reactivate"
ulvm pvmove -i 1 >"$E2E_TMP/second.out" 2>&1 || fail "bare pvmove: $(cat "$E2E_TMP/second.out")"
tail -1 "$E2E_TMP/second.out" | grep -qx "  ${P[0]}: Moved: 100.00%" || fail "progress: $(cat "$E2E_TMP/second.out")"
real_vgck "continued"
got=$(lvm lvs --config "$CFG" --noheadings -o name,devices vgp 2>/dev/null | awk '{$1=$1};1')
expect_eq "$got" "a ${P[1]}(0)
b ${P[1]}(3)
c ${P[1]}(6)" "real lvs after the move"
ulvm vgchange -an vgp >/dev/null || fail "vgchange -an"
for lv in a b c; do expect_eq "$(lv_md5 $lv)" "$(md5sum <"$E2E_TMP/$lv")" "$lv after the move"; done

# 2: only udmd killed while ulvm polls; back to pv0.
ulvm vgchange -ay vgp >/dev/null || fail "activate"
ulvm pvmove -i 1 "${P[1]}" "${P[0]}" >"$E2E_TMP/third.out" 2>&1 &
PV_PID=$!
for ((i=0; i<300; i++)); do halfway "$E2E_TMP/third.out" && break; sleep 0.1; done
kill -KILL "$UDMD_PID"; wait "$UDMD_PID" 2>/dev/null || true; UDMD_PID=
rc=0; wait $PV_PID || rc=$?
grep -q "Interrupted: No longer active.\|Moved: 100.00%" "$E2E_TMP/third.out" || fail "ulvm after the udmd kill (rc $rc): $(cat "$E2E_TMP/third.out")"
start_daemon --no-fuse
ulvm pvmove -i 1 >/dev/null 2>&1 || fail "bare pvmove"
real_vgck "second move"
[ -z "$(ulvm lvs -a --noheadings -o name vgp | grep pvmove)" ] || fail "pvmove0 left"
ulvm vgchange -an vgp >/dev/null || fail "vgchange -an"
for lv in a b c; do expect_eq "$(lv_md5 $lv)" "$(md5sum <"$E2E_TMP/$lv")" "$lv after the second move"; done

# 3: a move real lvm2 started (without device-mapper it only writes the
# metadata: pvmove0, LVs LOCKED on it) is finished by ulvm.
lvm pvmove --config "$CFG" -i 0 "${P[0]}" "${P[2]}" >/dev/null 2>&1 || fail "real pvmove"
[ -n "$(ulvm lvs -a --noheadings -o name vgp | grep pvmove0)" ] || fail "no pvmove0 from real lvm2"
ulvm vgchange -ay vgp >/dev/null || fail "activate lvm2's pvmove"
pct=$(ulvm lvs -a --noheadings -o name,copy_percent vgp | awk '$1 == "[pvmove0]" { print $2; exit }')
[[ "$pct" =~ ^[0-9]+\.[0-9][0-9]$ ]] || fail "pvmove0 Cpy%Sync [$pct]"
ulvm pvmove -i 0 >/dev/null 2>&1 || fail "ulvm finishing lvm2's pvmove"
real_vgck "lvm2's move finished"
got=$(lvm lvs --config "$CFG" --noheadings -o name,devices vgp 2>/dev/null | awk '{$1=$1};1')
expect_eq "$got" "a ${P[2]}(0)
b ${P[2]}(3)
c ${P[2]}(6)" "real lvs after lvm2's move"
ulvm vgchange -an vgp >/dev/null || fail "vgchange -an"
for lv in a b c; do expect_eq "$(lv_md5 $lv)" "$(md5sum <"$E2E_TMP/$lv")" "$lv after lvm2's move"; done
echo OK
