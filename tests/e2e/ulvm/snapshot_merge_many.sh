#!/bin/bash
# lvconvert --merge of several snapshots in one command, as lvm2 does it:
# every merge is started first ("Merging of volume ... started." for each),
# then each is polled in turn with its own "VG/origin: Merged:" lines and
# finished; @tag names every LV with that tag; a failing LV (a linear LV, a
# second snapshot of an origin already merging, a name not found) is reported
# with lvm2's words, the others still merge, and the command exits 5.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup md5sum
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
vg0_on_file 128M
start_daemon
for lv in o1 o2 lin; do ulvm lvcreate -L 8M -n $lv vg0 >/dev/null || fail "lvcreate $lv"; done
dev() { echo "$UDM_RUNDIR/dev/vg0/$1"; }
scribble() { dd if=/dev/urandom of="$(dev "$1")" bs=64k count=8 seek="$2" conv=notrunc,fsync status=none; }
lv_names() { ulvm lvs -a --noheadings -o lv_name vg0 | xargs; }

# ---- two LVs named, plus one not found
ulvm lvcreate -s -L 4M -n s1 vg0/o1 >/dev/null || fail "lvcreate s1"
ulvm lvcreate -s -L 4M -n s2 vg0/o2 >/dev/null || fail "lvcreate s2"
S1=$(md5sum <"$(dev s1)"); S2=$(md5sum <"$(dev s2)")
scribble o1 0; scribble o2 16
rc=0; ulvm lvconvert --merge -i 1 vg0/s1 vg0/nosuch vg0/s2 >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
expect_eq "$rc" 5 "exit code with a name not found"
expect_eq "$(cat "$E2E_TMP/err")" '  Failed to find logical volume "vg0/nosuch"' "stderr"
# Both started before the first progress line; each origin polled to its end in turn.
expect_eq "$(grep -v ': Merged: ' "$E2E_TMP/out")" '  Merging of volume vg0/s1 started.
  Merging of volume vg0/s2 started.
  Merge of snapshot into logical volume vg0/o1 has finished.
  Logical volume "s1" successfully removed.
  Merge of snapshot into logical volume vg0/o2 has finished.
  Logical volume "s2" successfully removed.' "stdout without progress"
grep -q '^  vg0/o1: Merged: ' "$E2E_TMP/out" || fail "no progress of vg0/o1: $(cat "$E2E_TMP/out")"
grep -q '^  vg0/o2: Merged: ' "$E2E_TMP/out" || fail "no progress of vg0/o2: $(cat "$E2E_TMP/out")"
# Progress lines of o1 come before o1 finished, those of o2 after it.
awk '/vg0\/o1 has finished/ {f=1} /vg0\/o1: Merged/ && f {exit 1} /vg0\/o2: Merged/ && !f {exit 1}' "$E2E_TMP/out" \
  || fail "progress out of order: $(cat "$E2E_TMP/out")"
expect_eq "$(md5sum <"$(dev o1)")" "$S1" "o1 = merged s1"
expect_eq "$(md5sum <"$(dev o2)")" "$S2" "o2 = merged s2"
expect_eq "$(lv_names)" "lin o1 o2" "both snapshots gone"

# ---- @tag: every LV with the tag, in the VG's order
ulvm lvcreate -s -L 4M -n s3 vg0/o1 >/dev/null || fail "lvcreate s3"
ulvm lvcreate -s -L 4M -n s4 vg0/o2 >/dev/null || fail "lvcreate s4"
ulvm lvcreate -s -L 4M -n s5 vg0/o1 >/dev/null || fail "lvcreate s5"
for lv in lin s3 s4 s5; do ulvm lvchange --addtag mt vg0/$lv >/dev/null || fail "addtag $lv"; done
S3=$(md5sum <"$(dev s3)"); S4=$(md5sum <"$(dev s4)")
scribble o1 32; scribble o2 48
rc=0; ulvm lvconvert --merge -i 1 @mt >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
expect_eq "$rc" 5 "exit code with LVs that cannot merge"
# lvm2 names the merging snapshot by its hidden snapshotN carrier.
expect_eq "$(sed 's/vg0\/snapshot[0-9]*\./vg0\/snapshotN./' "$E2E_TMP/err")" "  vg0/lin cannot be merged because --trackchanges was not used.
  Cannot merge snapshot vg0/s5 into the origin vg0/o1 with merging snapshot vg0/snapshotN." "tag stderr"
expect_eq "$(grep -v ': Merged: ' "$E2E_TMP/out")" '  Merging of volume vg0/s3 started.
  Merging of volume vg0/s4 started.
  Merge of snapshot into logical volume vg0/o1 has finished.
  Logical volume "s3" successfully removed.
  Merge of snapshot into logical volume vg0/o2 has finished.
  Logical volume "s4" successfully removed.' "tag stdout"
expect_eq "$(md5sum <"$(dev o1)")" "$S3" "o1 = merged s3"
expect_eq "$(md5sum <"$(dev o2)")" "$S4" "o2 = merged s4"
expect_eq "$(lv_names | tr ' ' '\n' | grep -v '^snapshot' | xargs)" "lin o1 o2 s5" "s5 and lin stay"
# A tag nobody has: nothing to do, as lvm2.
expect_out "" ulvm lvconvert --merge @none
