#!/bin/bash
# pvmove PV:PE-PE ranges, several pvmoves in one VG and --atomic, live in
# udm, with lvm2's messages. Real lvm2 starts a range move (its metadata
# stays, activation being off); ulvm starts a second move from another PV
# beside it (pvmove1; the LV the first one locked is skipped, as lvm2 says),
# runs it, then a bare pvmove finishes lvm2's. Then an --atomic move and a
# move onto a destination range, each while the LVs are active. Every LV
# keeps its bytes; real vgck accepts each result.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup losetup lvm md5sum
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root"; exit 77; }
loop_pvs 3
R() { lvm "$@" --config "$CFG" >>"$E2E_TMP/lvm.log" 2>&1 || fail "lvm $*: $(tail -5 "$E2E_TMP/lvm.log")"; }
start_daemon
ulvm vgcreate vgq "${P[@]}" >/dev/null || fail vgcreate
ulvm lvcreate -l 4 -n a vgq "${P[0]}" >/dev/null || fail "lvcreate a"
ulvm lvcreate -l 2 -n b vgq "${P[0]}" >/dev/null || fail "lvcreate b"
ulvm lvextend -l +2 vgq/b "${P[1]}" >/dev/null || fail "lvextend b"
ulvm lvcreate -l 3 -n c vgq "${P[0]}" >/dev/null || fail "lvcreate c"
ulvm lvcreate -l 2 -n d vgq "${P[1]}" >/dev/null || fail "lvcreate d"
for lv in a b c d; do
  head -c $(( $(ulvm lvs --noheadings --units b --nosuffix -o lv_size vgq/$lv) )) /dev/urandom >"$E2E_TMP/$lv.data"
  dd if="$E2E_TMP/$lv.data" of="$UDM_RUNDIR/dev/vgq/$lv" bs=1M oflag=direct conv=notrunc status=none || fail "write $lv"
done
check_data() {
  local lv
  for lv in a b c d; do
    expect_eq "$(md5sum <"$UDM_RUNDIR/dev/vgq/$lv")" "$(md5sum <"$E2E_TMP/$lv.data")" "$lv after $1"
  done
}
ulvm vgchange -an vgq >/dev/null || fail "vgchange -an"

# Real lvm2 moves pv0's extents 2-5 (a's end, b's first part): pvmove0.
R pvmove -b "${P[0]}:2-5" "${P[2]}"
ulvm vgchange -ay vgq >/dev/null 2>&1 || fail "vgchange -ay with lvm2's pvmove0"
# A second move, from pv1: b is locked by pvmove0, d moves as pvmove1.
ulvm pvmove -i 0 "${P[1]}" "${P[2]}" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || fail "second pvmove: $(cat "$E2E_TMP/err")"
expect_eq "$(head -1 "$E2E_TMP/out")" "  Skipping locked LV vgq/b." "skipping message"
expect_eq "$(ulvm lvs --noheadings -o devices vgq/d | xargs)" "${P[2]}(4)" "d moved"
expect_eq "$(ulvm lvs -a --noheadings -o name vgq | xargs)" "a b c d [pvmove0]" "pvmove0 still there"
expect_eq "$(ulvm lvs --noheadings -o lv_attr vgq/a | xargs)" "-wI-a-----" "a locked"
check_data "the second pvmove"
ulvm pvmove -i 0 >/dev/null 2>&1 || fail "bare pvmove finishing lvm2's range move"
expect_eq "$(ulvm lvs --noheadings -o lv_name,devices vgq | awk '{$1=$1};1')" "a ${P[0]}(0)
a ${P[2]}(0)
b ${P[2]}(2)
b ${P[1]}(0)
c ${P[0]}(6)
d ${P[2]}(4)" "after the range move"
check_data "the range move"

# --atomic: everything on pv0 to pv1 in one mirror.
ulvm pvmove -i 0 --atomic "${P[0]}" "${P[1]}" >/dev/null 2>"$E2E_TMP/err" || fail "pvmove --atomic: $(cat "$E2E_TMP/err")"
[ -z "$(ulvm lvs -a --noheadings -o name vgq | grep pvmove)" ] || fail "pvmove LVs left after --atomic"
[ -z "$(udmsetup ls | grep pvmove)" ] || fail "pvmove devices left after --atomic: $(udmsetup ls)"
expect_eq "$(ulvm lvs --noheadings -o lv_name,devices vgq | awk '{$1=$1};1')" "a ${P[1]}(2)
a ${P[2]}(0)
b ${P[2]}(2)
b ${P[1]}(0)
c ${P[1]}(4)
d ${P[2]}(4)" "after --atomic"
check_data "--atomic"
# A destination range: c goes to pv0 extents 10-12.
ulvm pvmove -i 0 -n c "${P[1]}" "${P[0]}:10-12" >/dev/null 2>"$E2E_TMP/err" || fail "pvmove to a range: $(cat "$E2E_TMP/err")"
expect_eq "$(ulvm lvs --noheadings -o devices vgq/c | xargs)" "${P[0]}(10)" "c on the destination range"
check_data "a move onto a range"
expect_fail 5 "  PE range error: start extent 5 to end extent 2." ulvm pvmove "${P[0]}:5-2" "${P[1]}"
expect_fail 5 "  Physical extent parsing error at a." ulvm pvmove "${P[0]}:a" "${P[1]}"
ulvm vgchange -an vgq >/dev/null || fail "vgchange -an"
R vgck vgq
echo OK
