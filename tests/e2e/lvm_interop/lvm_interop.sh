#!/bin/bash
# Interop of src/lvm/format with Debian's real lvm2 on loop devices, both ways:
#   A. VGs made by real lvm2 (linear with several segments, striped, extended,
#      zero) read by udm-lvm-dump: same names, ids, seqno, extents.
#   B. PVs and a VG written by udm-lvm-dump accepted by real pvck (no CHECK:),
#      vgck, pvs, vgs, lvs -o+seg_pe_ranges; then real lvm2 and udm take turns
#      changing the same VG.
# lvm only ever sees our loop devices (global_filter), never the host's.
. "$UDM_E2E_LIB"
requires lvm pvck losetup jq udm-lvm-dump
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }

export LVM_SUPPRESS_FD_WARNINGS=1
loops=()
for i in 1 2 3 4 5 6; do
  sparse_file "$E2E_TMP/pv$i.img" 64M
  dev=$(attach_loop "$E2E_TMP/pv$i.img")
  loops+=("$dev")
done
L1=${loops[0]} L2=${loops[1]} L3=${loops[2]} L4=${loops[3]} L5=${loops[4]} L6=${loops[5]}
filter=""
for l in "${loops[@]}"; do filter+="\"a|^$l\$|\","; done
CFG="global{activation=0 use_lvmpolld=0} devices{global_filter=[${filter}\"r|.*|\"] hints=\"none\" use_devicesfile=0 obtain_device_list_from_udev=0} backup{backup=0 archive=0}"

# lvmq CMD ARGS...: real lvm with our config; any stderr line other than the
# known harmless warnings fails the test (lvm often returns 0 after warning).
lvmq() {
  local err="$E2E_TMP/lvm.err" rc=0
  lvm "$1" --config "$CFG" "${@:2}" 2>"$err" || rc=$?
  local bad
  bad=$(grep -v -e 'WARNING: Activation disabled' -e 'This metadata update is NOT backed up' \
    -e 'not zeroed' ${LVMQ_ALSO_OK:+-e "$LVMQ_ALSO_OK"} "$err" || true)
  [ "$rc" = 0 ] || fail "lvm $* failed (rc $rc): $(cat "$err")"
  [ -z "$bad" ] || fail "lvm $* printed: $bad"
}
# no_check DEV: pvck --dump headers succeeds without CHECK: lines ($L6 has
# its label in sector 2, where pvck must be told to look).
no_check() {
  local out rc=0 sector=1
  [ "$1" != "${L6:-}" ] || sector=2
  out=$(pvck --dump headers --labelsector "$sector" "$1" 2>&1) || rc=$?
  [ "$rc" = 0 ] || fail "pvck --dump headers $1 rc $rc: $out"
  if grep -q 'CHECK:' <<<"$out"; then fail "pvck $1: $(grep 'CHECK:' <<<"$out")"; fi
}

# Segments as "lv,uuid,start,count,type,ranges" lines, from real lvs ...
real_segments() {
  lvmq lvs -a --noheadings --separator , --units s \
    -o lv_name,lv_uuid,seg_start_pe,seg_size_pe,segtype,seg_pe_ranges "$1" >"$E2E_TMP/lvs.out"
  sed 's/^ *//; s/ *$//' "$E2E_TMP/lvs.out" | sort
}
# ... and from udm-lvm-dump's JSON (linear = striped with one stripe).
udm_segments() {
  jq -r --arg vg "$1" '.vgs[] | select(.name == $vg) | . as $v | .lvs[] | . as $lv | .segments[] |
    [$lv.name, $lv.id, (.start_extent|tostring), (.extent_count|tostring),
     (if .type == "striped" and (.stripes|length) == 1 then "linear" else .type end),
     ([.stripes[] as $s | ($v.pvs[] | select(.name == $s[0]) | .device) + ":" + ($s[1]|tostring) + "-" +
       (($s[1] + (.extent_count / (.stripes|length)) - 1) | tostring)] | join(" "))] | join(",")' "$2" | sort
}

echo "== A. real lvm2 writes, udm reads"
lvmq pvcreate "$L1" "$L2"
lvmq pvcreate --pvmetadatacopies 2 "$L3"
lvmq vgcreate --addtag t1 ra "$L1" "$L2" "$L3"
lvmq lvcreate -an -Zn -l3 -n lin ra "$L1"
lvmq lvcreate -an -Zn -i2 -I64k -l4 -n str ra "$L1" "$L2"
lvmq lvextend -l+2 ra/lin "$L3"
lvmq lvextend -l+2 ra/lin "$L2"
lvmq lvcreate -an -Zn --type zero -L8m -n z ra
udm-lvm-dump dump "$L1" "$L2" "$L3" >"$E2E_TMP/a.json"
expect_eq "$(jq -r '.vgs | length' "$E2E_TMP/a.json")" 1 "VGs found"
expect_eq "$(jq -r '.vgs[0].name' "$E2E_TMP/a.json")" ra "VG name"
lvmq vgs --noheadings -o vg_uuid,vg_seqno ra >"$E2E_TMP/vgs.out"
read -r real_uuid real_seqno <"$E2E_TMP/vgs.out"
expect_eq "$(jq -r '.vgs[0].id' "$E2E_TMP/a.json")" "$real_uuid" "VG uuid"
expect_eq "$(jq -r '.vgs[0].seqno' "$E2E_TMP/a.json")" "$real_seqno" "VG seqno"
expect_eq "$(jq -r '.vgs[0].tags | join(",")' "$E2E_TMP/a.json")" t1 "VG tags"
expect_eq "$(jq -r '[.vgs[0].warnings[], .vgs[0].problems[], .warnings[]] | length' "$E2E_TMP/a.json")" 0 "warnings"
# PVs: uuid, pe_start and pe_count per device, and mda count.
lvmq pvs --noheadings --nosuffix --separator , --units s -o pv_name,pv_uuid,pe_start,pv_pe_count,pv_mda_count >"$E2E_TMP/pvs.out"
real_pvs=$(sed 's/^ *//' "$E2E_TMP/pvs.out" | sort)
udm_pvs=$(jq -r '.vgs[0].pvs[] as $p | .pvs[] | select(.path == $p.device) |
  [$p.device, $p.id, ($p.pe_start|tostring), ($p.pe_count|tostring), (.mdas|length|tostring)] | join(",")' \
  "$E2E_TMP/a.json" | sort)
expect_eq "$udm_pvs" "$real_pvs" "PVs"
expect_eq "$(udm_segments ra "$E2E_TMP/a.json")" "$(real_segments ra)" "segments"
expect_eq "$(jq -r '.vgs[0].lvs[] | select(.name == "lin") | .segments | length' "$E2E_TMP/a.json")" 3 "lin segments"

echo "== B. udm writes, real lvm2 reads"
udm-lvm-dump pvcreate "$L4" >/dev/null
udm-lvm-dump pvcreate --copies 2 "$L5" >/dev/null
udm-lvm-dump pvcreate --align 16384 --mdsize 12288 --label-sector 2 "$L6" >/dev/null
for d in "$L4" "$L5" "$L6"; do no_check "$d"; done
lvmq pvs --noheadings --separator , --units b -o pv_name,vg_name,pe_start,pv_mda_count "$L4" "$L5" "$L6" >"$E2E_TMP/pvs.out"
expect_eq "$(sed 's/^ *//' "$E2E_TMP/pvs.out" | sort)" "$(printf '%s,,1048576B,1\n%s,,1048576B,2\n%s,,16384B,1\n' "$L4" "$L5" "$L6" | sort)" "orphan PVs"

udm-lvm-dump vgcreate-demo ud "$L4" "$L5" "$L6" >/dev/null
for d in "$L4" "$L5" "$L6"; do no_check "$d"; done
lvmq vgck ud
lvmq vgs --noheadings --separator , -o vg_name,pv_count,lv_count,vg_seqno,vg_extent_count ud >"$E2E_TMP/vgs.out"
# 15 + 15 extents on the 1 MiB-aligned PVs, 15 on the 16 KiB-aligned one.
expect_eq "$(sed 's/^ *//' "$E2E_TMP/vgs.out")" "ud,3,4,1,45" "vgs of our VG"
udm-lvm-dump dump "$L4" "$L5" "$L6" >"$E2E_TMP/b.json"
expect_eq "$(real_segments ud)" "$(udm_segments ud "$E2E_TMP/b.json")" "segments of our VG"
lvmq lvs --noheadings --separator , -o lv_name,seg_pe_ranges ud >"$E2E_TMP/lvs.out"
grep -q "lin,$L4:0-2" "$E2E_TMP/lvs.out" || fail "lin segment 1: $(cat "$E2E_TMP/lvs.out")"
grep -q "lin,$L6:6-7" "$E2E_TMP/lvs.out" || fail "lin segment 2: $(cat "$E2E_TMP/lvs.out")"
grep -q "str,$L4:3-4 $L5:0-1" "$E2E_TMP/lvs.out" || fail "str: $(cat "$E2E_TMP/lvs.out")"

# Our vgcfgbackup-style text equals real vgcfgbackup's below the header.
udm-lvm-dump backup ud "$L4" "$L5" "$L6" >"$E2E_TMP/ours.backup"
lvmq vgcfgbackup -f "$E2E_TMP/real.backup" ud
diff <(sed -n '/^ud {/,$p' "$E2E_TMP/real.backup") <(sed -n '/^ud {/,$p' "$E2E_TMP/ours.backup") >&2 ||
  fail "backup text differs from real vgcfgbackup"
# And real vgcfgrestore takes it (it probes the kernel's dm despite activation=0).
LVMQ_ALSO_OK='device-mapper\|/dev/mapper/control\|libdevmapper\|check for active volumes' \
  lvmq vgcfgrestore -f "$E2E_TMP/ours.backup" ud
lvmq vgck ud
lvmq vgs --noheadings -o vg_seqno ud >"$E2E_TMP/vgs.out"
expect_eq "$(tr -d ' ' <"$E2E_TMP/vgs.out")" 2 "seqno after vgcfgrestore"

echo "== C. taking turns on one VG"
lvmq lvcreate -an -Zn -l2 -n added ud "$L5"
udm-lvm-dump dump "$L4" "$L5" "$L6" >"$E2E_TMP/c.json"
expect_eq "$(jq -r '.vgs[0].seqno' "$E2E_TMP/c.json")" 3 "seqno after real lvcreate"
expect_eq "$(jq -r '[.vgs[0].lvs[].name] | join(",")' "$E2E_TMP/c.json")" "lin,str,z,e,added" "LVs after real lvcreate"
udm-lvm-dump rename-lv ud added renamed "$L4" "$L5" "$L6"
for d in "$L4" "$L5" "$L6"; do no_check "$d"; done
lvmq vgck ud
lvmq lvs --noheadings -o lv_name ud >"$E2E_TMP/lvs.out"
grep -qw renamed "$E2E_TMP/lvs.out" || fail "real lvs does not see the rename: $(cat "$E2E_TMP/lvs.out")"
lvmq lvrename ud renamed again
lvmq vgs --noheadings -o vg_seqno ud >"$E2E_TMP/vgs.out"
expect_eq "$(tr -d ' ' <"$E2E_TMP/vgs.out")" 5 "seqno after real lvrename"
udm-lvm-dump dump "$L4" "$L5" "$L6" >"$E2E_TMP/c2.json"
expect_eq "$(jq -r '.vgs[0].lvs[4].name + "," + (.vgs[0].seqno|tostring)' "$E2E_TMP/c2.json")" "again,5" "after lvrename"
expect_eq "$(jq -r '[.vgs[0].warnings[], .warnings[]] | length' "$E2E_TMP/c2.json")" 0 "warnings"

echo "== C2. both writers wrap the 12 KiB circular buffer of $L6"
# wrapped_after WRITER: note when the committed copy on $L6 wraps the area end.
wrapped_real=0 wrapped_udm=0
wrapped_now() {
  udm-lvm-dump dump "$L4" "$L5" "$L6" >"$E2E_TMP/w.json"
  expect_eq "$(jq -r '[.vgs[0].warnings[], .vgs[0].problems[], .warnings[]] | length' "$E2E_TMP/w.json")" 0 "warnings"
  jq -r --arg d "$L6" '.pvs[] | select(.path == $d) | .mdas[0].committed.wrapped' "$E2E_TMP/w.json"
}
for round in $(seq 1 16); do
  lvmq lvrename ud again real$round
  lvmq vgck ud
  [ "$(wrapped_now)" = true ] && wrapped_real=1
  udm-lvm-dump rename-lv ud real$round again "$L4" "$L5" "$L6"
  no_check "$L6"
  lvmq vgck ud
  [ "$(wrapped_now)" = true ] && wrapped_udm=1
  [ $wrapped_real = 1 ] && [ $wrapped_udm = 1 ] && break
done
expect_eq "$wrapped_real$wrapped_udm" 11 "wrapped copies written by real lvm2 and by udm"
lvmq lvs --noheadings -o lv_name ud >"$E2E_TMP/lvs.out"
grep -qw again "$E2E_TMP/lvs.out" || fail "after wrapping: $(cat "$E2E_TMP/lvs.out")"

echo "== C3. udm stops after N writes; real lvm2 sees the old or the new seqno"
lvmq vgs --noheadings -o vg_seqno ud >"$E2E_TMP/vgs.out"
seq_before=$(tr -d ' ' <"$E2E_TMP/vgs.out")
name=again
saw_old=0 saw_new=0
for n in $(seq 0 20); do
  rc=0
  UDM_LVM_CRASH_AFTER=$n udm-lvm-dump rename-lv ud "$name" "crash$n" "$L4" "$L5" "$L6" 2>/dev/null || rc=$?
  # Real lvm2 may warn that PVs disagree (a crash between commits); read anyway.
  lvm vgs --config "$CFG" --noheadings -o vg_seqno ud >"$E2E_TMP/vgs.out" 2>/dev/null
  lvm lvs --config "$CFG" --noheadings -o lv_name ud >"$E2E_TMP/lvs.out" 2>/dev/null
  now=$(tr -d ' ' <"$E2E_TMP/vgs.out")
  if [ "$now" = "$seq_before" ]; then
    grep -qw "$name" "$E2E_TMP/lvs.out" || fail "crash after $n writes: seqno $now without LV $name"
    saw_old=1
  elif [ "$now" = $((seq_before + 1)) ]; then
    grep -qw "crash$n" "$E2E_TMP/lvs.out" || fail "crash after $n writes: seqno $now without LV crash$n"
    name=crash$n
    saw_new=1
  else
    fail "crash after $n writes: seqno $now, expected $seq_before or $((seq_before + 1))"
  fi
  # Repair (rewrites every copy and clears precommits) and check all is clean.
  lvm vgck --config "$CFG" --updatemetadata ud >/dev/null 2>&1 || fail "vgck --updatemetadata after $n writes"
  lvmq vgck ud
  for d in "$L4" "$L5" "$L6"; do no_check "$d"; done
  lvmq vgs --noheadings -o vg_seqno ud >"$E2E_TMP/vgs.out"
  seq_before=$(tr -d ' ' <"$E2E_TMP/vgs.out")
  [ "$rc" = 0 ] && break
done
expect_eq "$saw_old$saw_new" 11 "both outcomes seen"
[ "$rc" = 0 ] || fail "rename-lv never completed within 20 writes"
lvmq lvrename ud "$name" again

echo "== D. udm removes the VG and the labels"
udm-lvm-dump vgremove ud "$L4" "$L5" "$L6"
for d in "$L4" "$L5" "$L6"; do no_check "$d"; done
lvmq pvs --noheadings --separator , -o pv_name,vg_name "$L4" "$L5" "$L6" >"$E2E_TMP/pvs.out"
expect_eq "$(sed 's/^ *//' "$E2E_TMP/pvs.out" | sort)" "$(printf '%s,\n%s,\n%s,\n' "$L4" "$L5" "$L6" | sort)" "orphans after vgremove"
udm-lvm-dump pvremove "$L4" "$L5" "$L6"
lvmq pvs --noheadings -o pv_name >"$E2E_TMP/pvs.out"
if grep -q "$L4" "$E2E_TMP/pvs.out"; then fail "$L4 still a PV after pvremove"; fi
echo "PASS"
