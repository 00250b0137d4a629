#!/bin/bash
# `ulvm vgreduce --removemissing` against real lvm2's, on the same bytes.
# ulvm makes VG vgm on three loop devices (P[]): raid1 r1 (image 0 and its
# metadata on PV 1, image 1 on PV 2), mirror mir (image 0 on PV 0, image 1
# on PV 1, disk log on PV 2) and linear lin on PV 1. Copies of the three
# files on loop devices Q[] are real lvm2's. With PV 1 hidden from both, each
# case starts from those bytes and both tools must print the same (stdout,
# stderr, exit code; device paths made generic) and leave the same metadata
# (real lvm2's vgcfgbackup of each side): the refusal without --force
# (partial LVs named, the PV flagged MISSING), --force --test, --mirrorsonly
# --force (raid and mirror repaired, lin kept and named), --force (r1's
# image 0 an error segment, mir linear on PV 0, lin removed, PV 1 gone);
# real vgck and lvs read ulvm's result. With every PV there: "already
# consistent"; lvm2's refusals of bad command lines. Activation with PV 1
# missing in lvm2's modes (degraded: r1 without its slot 0, mir and lin
# refused; complete: all refused; partial: all active, lin an error table).
. "$(dirname "$0")/common.sh"
requires lvm
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
[ -e /dev/loop-control ] || { echo "SKIP: needs /dev/loop-control"; exit 77; }

loop_pvs 3 64M
Q=()
for i in 0 1 2; do sparse_file "$E2E_TMP/q$i.img" 64M; done

start_daemon
ulvm vgcreate vgm "${P[@]}" >/dev/null 2>&1 || fail "vgcreate"
ulvm lvcreate -an -Zn --type raid1 -m 1 -L 8M -n r1 vgm "${P[1]}" "${P[2]}" >/dev/null 2>&1 || fail "lvcreate r1"
# A filler on PV 1 for the mirror's log to land on PV 2, its image 1 on PV 1.
ulvm lvcreate -an -Zn -L 24M -n fill vgm "${P[1]}" >/dev/null 2>&1 || fail "lvcreate fill"
ulvm lvcreate -y -Zn --type mirror -m 1 -L 8M -n mir vgm "${P[0]}" "${P[2]}" "${P[1]}" >/dev/null 2>&1 || fail "lvcreate mir"
ulvm lvchange -an vgm/mir >/dev/null 2>&1 || fail "lvchange -an mir"
ulvm lvremove -y vgm/fill >/dev/null 2>&1 || fail "lvremove fill"
ulvm lvcreate -an -Zn -L 8M -n lin vgm "${P[1]}" >/dev/null 2>&1 || fail "lvcreate lin"
pvi() { local i; for i in 0 1 2; do [ "$1" == "${P[i]}" ] && echo "PV$i"; done; }
layout=$(ulvm lvs -a --noheadings --separator '|' -o name,devices vgm 2>/dev/null | tr -d ' ' | sed "s|(.*||" |
  while IFS='|' read -r n d; do echo "$n|${d:+$(pvi "$d")}"; done | sort | tr '\n' ' ')
expect_eq "$layout" "[mir_mimage_0]|PV0 [mir_mimage_1]|PV1 [mir_mlog]|PV2 [r1_rimage_0]|PV1 [r1_rimage_1]|PV2 [r1_rmeta_0]|PV1 [r1_rmeta_1]|PV2 lin|PV1 mir| r1| " "layout"
stop_daemon

export UDM_NO_AUTOSTART=1

# The start of every case: the metadata areas (first MiB) of both sides.
for i in 0 1 2; do dd if="${P[i]}" of="$E2E_TMP/s$i.img" bs=1M count=1 status=none; done
for i in 0 1 2; do cp "$E2E_TMP/s$i.img" "$E2E_TMP/q$i.img"; truncate -s 64M "$E2E_TMP/q$i.img"; Q+=("$(attach_loop "$E2E_TMP/q$i.img")"); done
restore() {
  local i
  for i in 0 1 2; do
    dd if="$E2E_TMP/s$i.img" of="${P[i]}" bs=1M count=1 conv=notrunc,fsync status=none
    dd if="$E2E_TMP/s$i.img" of="${Q[i]}" bs=1M count=1 conv=notrunc,fsync status=none
  done
}
# hide_pv1 / show_all: what each tool sees.
QALL=$(lvm_cfg "${Q[@]}") QTWO=$(lvm_cfg "${Q[0]}" "${Q[2]}")
PALL=$(lvm_cfg "${P[@]}")
# lvm2 reads the Q devices in device number order; ulvm reads its list in
# list order. Tests running beside this one can free a lower loop device
# between two attaches, so ulvm's list follows Q's number order (lvm2's
# "ignoring metadata ... for seqno N on PVi" names the first one read).
QORDER=$(for i in 0 1 2; do echo "$((16#$(stat -Lc '%T' "${Q[i]}"))) $i"; done | sort -n | cut -d' ' -f2 | tr '\n' ' ')
in_q_order() { local i; for i in $QORDER; do [[ " $* " == *" $i "* ]] && printf '%s\n' "${P[i]}"; done; }
hide_pv1() { mapfile -t l < <(in_q_order 0 2); udm_devices "${l[@]}"; QCFG=$QTWO; }
show_all() { mapfile -t l < <(in_q_order 0 1 2); udm_devices "${l[@]}"; QCFG=$QALL; }

generic() {
  sed -e "s|${P[0]}\b|PV0|g; s|${P[1]}\b|PV1|g; s|${P[2]}\b|PV2|g" \
      -e "s|${Q[0]}\b|PV0|g; s|${Q[1]}\b|PV1|g; s|${Q[2]}\b|PV2|g"
}
# run TOOL ARGS...: rc, stdout, stderr of `TOOL vgreduce ARGS`, made generic.
run() {
  local tool=$1 rc=0
  shift
  if [ "$tool" == L ]; then
    lvm vgreduce --config "$QCFG" "$@" >"$E2E_TMP/o" 2>"$E2E_TMP/e" || rc=$?
  else
    ulvm vgreduce "$@" >"$E2E_TMP/o" 2>"$E2E_TMP/e" || rc=$?
  fi
  echo "rc=$rc"
  cat "$E2E_TMP/o"
  echo "--"
  grep -v "Activation disabled\|This metadata update is NOT backed up" "$E2E_TMP/e" || true
}
# same NAME ARGS...: both print the same (lines matching $SKIP left out).
SKIP="^NOTHING^"
same() {
  local name=$1 want got
  shift
  want=$(run L "$@" | generic | grep -v "$SKIP")
  got=$(run U "$@" | generic | grep -v "$SKIP")
  [ "$got" == "$want" ] || fail "$name: lvm2 (<) and ulvm (>) differ:
$(diff <(echo "$want") <(echo "$got"))"
}
# meta CFG: the VG's metadata as real lvm2 reads it (device hints made generic).
meta() {
  lvm vgcfgbackup --config "$1" -f "$E2E_TMP/m.vg" vgm >/dev/null 2>&1 || fail "lvm2 vgcfgbackup ($1)"
  sed -n '/^vgm {/,$p' "$E2E_TMP/m.vg" | grep -v "device = " | generic
}
# same_meta NAME: real lvm2 reads the same VG from both sides (PV 1 hidden).
same_meta() {
  local want got
  want=$(meta "$QTWO")
  got=$(meta "$(lvm_cfg "${P[0]}" "${P[2]}")")
  [ "$got" == "$want" ] || fail "$1: metadata differs: $(diff <(echo "$want") <(echo "$got"))"
}

# Bad command lines.
show_all
same "no VG" 
same "--removemissing, no VG" --removemissing
same "--removemissing with a PV" --removemissing vgm "${P[0]}"
same "--mirrorsonly alone" --mirrorsonly vgm "${P[0]}"
same "--removemissing -a" --removemissing -a vgm
same "VG alone" vgm
same "no such VG" --removemissing nosuch
# Every PV there.
same "all PVs there" --removemissing vgm

hide_pv1
restore
same "refusal" --removemissing vgm
same_meta "refusal"
grep -q 'flags = \["MISSING"\]' <(meta "$(lvm_cfg "${P[0]}" "${P[2]}")") || fail "refusal: PV 1 not flagged MISSING"
# Once refused, the PV is MISSING in the metadata: the same again.
same "refusal again" --removemissing vgm
same_meta "refusal again"
# PV 1 back, still MISSING in the metadata: the same refusal, lvm2's words
# for the PV (ulvm does not write the old metadata on PV 1 anew).
show_all
SKIP="updating old metadata"
same "refusal, PV 1 back" --removemissing vgm
SKIP="^NOTHING^"
hide_pv1

# Activation with PV 1 missing, in lvm2's three modes (its messages).
restore
start_daemon
unset UDM_NO_AUTOSTART
act() {  # act ARGS...: rc, stdout, stderr of ulvm ARGS (the missing PV's warnings left out)
  local rc=0
  ulvm "$@" >"$E2E_TMP/o" 2>"$E2E_TMP/e" || rc=$?
  echo "rc=$rc"; cat "$E2E_TMP/o"; echo "--"; grep -v "Couldn't find device\|is missing PV" "$E2E_TMP/e" || true
}
expect_eq "$(act vgchange -ay vgm)" "rc=5
  1 logical volume(s) in volume group \"vgm\" now active
--
  Refusing activation of partial LV vgm/mir.  Use '--activationmode partial' to override.
  Refusing activation of partial LV vgm/lin.  Use '--activationmode partial' to override." "vgchange -ay (degraded)"
case "$(udmsetup table vgm-r1)" in *" 2 - - "*) ;; *) fail "r1 not degraded: $(udmsetup table vgm-r1)";; esac
ulvm vgchange -an vgm >/dev/null 2>&1 || fail "vgchange -an"
expect_eq "$(act vgchange -ay --activationmode complete vgm)" "rc=5
  0 logical volume(s) in volume group \"vgm\" now active
--
  Refusing activation of partial LV vgm/r1.  Try '--activationmode degraded'.
  Refusing activation of partial LV vgm/mir.  Use '--activationmode partial' to override.
  Refusing activation of partial LV vgm/lin.  Use '--activationmode partial' to override." "vgchange -ay complete"
expect_eq "$(act lvchange -ay --activationmode complete vgm/r1)" "rc=5
--
  Refusing activation of partial LV vgm/r1.  Try '--activationmode degraded'." "lvchange -ay complete"
expect_eq "$(act vgchange -ay --activationmode partial vgm)" "rc=0
  3 logical volume(s) in volume group \"vgm\" now active
--
  PARTIAL MODE. Incomplete logical volumes will be processed." "vgchange -ay partial"
expect_eq "$(udmsetup table vgm-lin)" "0 16384 error " "lin's table in partial mode"
ulvm vgchange -an vgm >/dev/null 2>&1 || fail "vgchange -an"
expect_eq "$(act vgchange -ay --activationmode foo vgm)" "rc=3
--
  Invalid activation mode given.
  Run \`vgchange --help' for more information." "bad mode"
expect_eq "$(act vgchange -ay -P --activationmode complete vgm)" "rc=3
--
  --partial and --activationmode are mutually exclusive arguments
  Run \`vgchange --help' for more information." "-P and complete"
stop_daemon
export UDM_NO_AUTOSTART=1

restore
same "--force --test" --removemissing --force --test vgm
same_meta "--force --test"

restore
same "--mirrorsonly --force" --removemissing --mirrorsonly --force vgm
same_meta "--mirrorsonly --force"

restore
same "--force" --removemissing --force vgm
same_meta "--force"
# Real lvm2 judges ulvm's VG.
PTWO=$(lvm_cfg "${P[0]}" "${P[2]}")
lvm vgck --config "$PTWO" vgm >/dev/null 2>&1 || fail "real vgck refused ulvm's VG after --force"
got=$(lvm lvs --config "$PTWO" -a --noheadings --separator '|' -o name,attr,segtype,devices vgm 2>/dev/null | tr -d ' ' | generic)
expect_eq "$got" "mir|-wi-XX----|linear|PV0(0)
r1|rwi-XXr-X-|raid1|r1_rimage_0(0),r1_rimage_1(0)
[r1_rimage_0]|vwi-XXr-X-|error|
[r1_rimage_1]|Iwi-XXr-X-|linear|PV2(1)
[r1_rmeta_0]|ewi-XXr-X-|error|
[r1_rmeta_1]|ewi-XXr-X-|linear|PV2(0)" "real lvs of ulvm's VG after --force"
got=$(lvm vgs --config "$PTWO" --noheadings -o pv_count,lv_count,vg_missing_pv_count,vg_attr vgm 2>/dev/null | tr -s ' ')
expect_eq "$got" " 2 2 0 wz--n-" "real vgs of ulvm's VG after --force"
# Nothing missing any more.
same "after --force" --removemissing vgm
same "-a, every PV in use" -a vgm

# The same with the LVs active and data on them: mir is reloaded linear, its
# other devices go, lin is deactivated; the data stays.
restore
start_daemon
unset UDM_NO_AUTOSTART
ulvm vgchange -ay --activationmode partial vgm >/dev/null 2>&1 || fail "vgchange -ay partial"
head -c 8M /dev/urandom >"$E2E_TMP/data"
for lv in mir r1; do
  dd if="$E2E_TMP/data" of="$UDM_RUNDIR/dev/vgm/$lv" bs=1M conv=fsync status=none || fail "write $lv"
done
ulvm vgreduce --removemissing --force vgm >/dev/null 2>&1 || fail "vgreduce --force with active LVs"
expect_eq "$(udmsetup ls | cut -f1 | sort | tr '\n' ' ')" "vgm-mir vgm-r1 vgm-r1_rimage_1 vgm-r1_rmeta_1 " "devices after --force"
pv0=$(stat -c '%t:%T' "${P[0]}")
expect_eq "$(udmsetup table vgm-mir)" "0 16384 linear $((16#${pv0%:*})):$((16#${pv0#*:})) 2048" "mir's table after --force"
for lv in mir r1; do cmp -s "$E2E_TMP/data" "$UDM_RUNDIR/dev/vgm/$lv" || fail "$lv's data after --force"; done
ulvm vgchange -an vgm >/dev/null 2>&1 || fail "vgchange -an"
expect_eq "$(udmsetup ls)" "No devices found" "devices after vgchange -an"
# Activated again: r1 runs without its error slot 0.
expect_eq "$(ulvm vgchange -ay vgm 2>&1)" "  2 logical volume(s) in volume group \"vgm\" now active" "vgchange -ay after --force"
case "$(udmsetup table vgm-r1)" in *" 2 - - "*) ;; *) fail "r1 after --force: $(udmsetup table vgm-r1)";; esac
for lv in mir r1; do cmp -s "$E2E_TMP/data" "$UDM_RUNDIR/dev/vgm/$lv" || fail "$lv's data activated again"; done
ulvm vgchange -an vgm >/dev/null 2>&1 || fail "vgchange -an"
echo PASS
