# The everyday commands ulvm adds to the listing ones, against real lvm2:
# version, lvmdiskscan, pvck (--dump), then pvchange, lvchange and vgchange
# options with -S, vgexport/vgimport, vgsplit/vgmerge, vgimportclone. The
# read-only commands run on the loop devices lvm2 uses; then ulvm works on
# byte copies of them (paths of the same length and sort order, mapped back
# in its output) while lvm2 changes the originals, command by command, and
# after each change both report the same state.
. "$(dirname "$0")/lvm_everyday_common.sh"

# version: lvm2's lines and wording, udm's versions.
v=$(ulvm version) || fail "ulvm version"
grep -q '^  LVM version:     2.03.16(2) (ulvm ' <<<"$v" || fail "version: $v"
grep -q '^  Library version: .* (libudm)$' <<<"$v" || fail "version: $v"
[ "$(ulvm --version)" == "$v" ] || fail "--version differs from version"

# --help: lvm2's title line for each new command.
for cmd in pvchange vgsplit vgmerge vgexport vgimport vgimportclone vgmknodes pvck lvmdiskscan fullreport; do
  [ "$(ulvm "$cmd" --help | head -1)" == "$(lvm "$cmd" --help 2>/dev/null | head -1)" ] || fail "$cmd --help"
done

same lvmdiskscan
same lvmdiskscan -l
same pvck "$A"
for what in headers metadata metadata_all metadata_search; do
  same pvck --dump "$what" "$A"
  same pvck --dump "$what" "$C"
done
same pvck --dump metadata "$D"
# fullreport: the same sections, rows and first columns (lvm2 has report
# fields ulvm lacks: raid_write_behind, raid_min/max_recovery_rate,
# move_pv_uuid, mirror_log_uuid, data_copies).
diff <(lvm fullreport --config "$CFG" 2>/dev/null | awk '{print $1}') <(ulvm fullreport --devices "$UDEVS" | awk '{print $1}') ||
  fail "fullreport: sections or rows differ from lvm2"

# The lvm shell: `ulvm` and `ulvm lvm` read commands from stdin as `lvm` does.
shell_session() {  # EXTRA: the lines lvm2 or ulvm run, each with EXTRA
  printf '%s\n' "vgs $1" "lvs -o lv_name,lv_size vgx $1" "nosuch" "pvs -o pv_name,pv_size $1" "exit" "vgs"
}
rl=0; shell_session "--config '$CFG'" | lvm >"$E2E_TMP/l.out" 2>"$E2E_TMP/l.err" || rl=$?
for form in "" lvm; do
  ru=0; shell_session "--devices $UDEVS" | ulvm $form >"$E2E_TMP/u.out" 2>"$E2E_TMP/u.err" || ru=$?
  [ "$rl/$(cat "$E2E_TMP/l.out")" == "$ru/$(cat "$E2E_TMP/u.out")" ] || fail "ulvm $form shell: $(diff "$E2E_TMP/l.out" "$E2E_TMP/u.out")"
  diff <(grep -v 'Activation disabled' "$E2E_TMP/l.err") "$E2E_TMP/u.err" || fail "ulvm $form shell: stderr differs"
done

# ulvm on copies: /tmp/<k><random>/a, as long as the loop device's path and
# sorting as it does among the four.
declare -A COPY
k=0
for dev in $(printf '%s\n' "$A" "$B" "$C" "$D" | sort); do
  while :; do
    base=$k$(printf '%06d%06d' $RANDOM $RANDOM | cut -c1-$((${#dev} - 8)))
    mkdir "/tmp/$base" 2>/dev/null && break
  done
  COPY[$dev]=/tmp/$base/a
  cleanup_fn "rm -rf /tmp/$base"
  cp --sparse=always "$dev" "${COPY[$dev]}"
  k=$((k + 1))
done
UDEVS="${COPY[$A]},${COPY[$B]},${COPY[$C]},${COPY[$D]}"
UUIDS=0
normalise() {
  # lvm2's vgsplit leaves a stale copy on the PV it moved, which its next
  # write of that VG repairs with a warning; ulvm writes every copy at once.
  local s=(-e 's/^  (.{4})XX/  \1--/' -e '/^  WARNING: updating old metadata to [0-9]+ on .* for VG /d')
  for dev in "$A" "$B" "$C" "$D"; do s+=(-e "s|${COPY[$dev]}|$dev|g"); done
  [ "$UUIDS" == 0 ] || s+=(-e 's/[A-Za-z0-9]{6}(-[A-Za-z0-9]{4}){5}-[A-Za-z0-9]{6}/UUID/g')
  sed -E "${s[@]}"
}
ulvm_arg() {
  local a="$1" dev
  for dev in "$A" "$B" "$C" "$D"; do a=${a//$dev/${COPY[$dev]}}; done
  printf '%s\n' "$a"
}
state() {
  same pvs -o pv_name,vg_name,pv_attr,pv_tags,pv_pe_count,pv_pe_alloc_count
  same vgs -o vg_name,vg_attr,vg_extent_size,vg_extent_count,max_lv,max_pv,vg_tags,pv_count,lv_count
  same lvs -a -o lv_attr,vg_name,lv_name,lv_tags,lv_read_ahead,lv_allocation_policy,seg_pe_ranges
}
state

same pvchange -x n "$A"
same pvchange -x n "$A"
same pvs -o pv_name,vg_name,pv_attr
same pvchange -x y -a
same pvchange --addtag pt "$B" "$C"
state
same pvchange --deltag pt -S 'pv_tags=pt'
same pvchange --addtag p2 -S 'pv_free>20m'
state
UUIDS=1
same pvchange -u "$B"
same pvs -o pv_name,pv_uuid
UUIDS=0

same lvchange -p r vgx/one
same lvchange -p r vgx/one
same lvchange -p rw vgx
same lvchange --addtag foo -S 'lv_name=~^t'
same lvchange -r 256 vgx/one
same lvchange -r auto @tt
same lvchange -C y vgx/one
same lvchange -C n vgx/two
same lvchange --deltag foo @foo
state

same vgchange -x n a_rather_long_vg_name
same vgchange -x n a_rather_long_vg_name
same vgchange -x y -S 'vg_name=a_rather_long_vg_name'
same vgchange -l 10 vgx
same vgchange -p 5 vgx
same vgchange --addtag vt
same vgchange --deltag vt -S 'vg_extent_size=1m'
same vgchange -s 2m a_rather_long_vg_name
same vgchange -s 2m vgx
state
UUIDS=1
same vgchange --uuid vgx
same vgs -o vg_name,vg_uuid
UUIDS=0

same vgexport a_rather_long_vg_name
same vgexport a_rather_long_vg_name
same pvs -o pv_name,vg_name,pv_attr
same vgs -o vg_name,vg_attr
same vgimport a_rather_long_vg_name
same vgimport a_rather_long_vg_name
same vgexport -a
same pvs -o pv_name,vg_name,pv_attr
same vgs -o vg_name,vg_attr
same vgimport -a

same vgsplit vgx vgn "$B"
same lvremove -y vgx/wide
same vgsplit vgx vgn "$B"
state
same vgmerge a_rather_long_vg_name vgn
same vgsplit vgx vgn "$A"
state
same vgsplit vgn vgm "$B"
same vgmerge vgn vgm
state

same vgimportclone "$C"
UUIDS=1
same vgs -o vg_name,vg_uuid,pv_name,pv_uuid
UUIDS=0
state
same vgimportclone -n cl -i "$C"
state

same pvremove "$D"
same lvmdiskscan
ulvm vgmknodes --devices "$UDEVS" || fail "vgmknodes"

# lvchange -p on an active LV reloads its device read-only, and back.
if [ -e /dev/fuse ]; then
  F="$E2E_TMP/ro.img"
  sparse_file "$F" 16M
  ulvm vgcreate vgro "$F" --devices "$F" >/dev/null || fail "vgcreate vgro"
  start_daemon
  ulvm lvcreate -L 4M -n lv vgro --devices "$F" >/dev/null || fail "lvcreate vgro/lv"
  udmsetup info vgro-lv | grep -q '^State: *ACTIVE$' || fail "vgro/lv not active: $(udmsetup info vgro-lv)"
  expect_out '  Logical volume vgro/lv changed.' ulvm lvchange -p r vgro/lv --devices "$F"
  udmsetup info vgro-lv | grep -q '^State: *ACTIVE (READ-ONLY)$' || fail "not read-only: $(udmsetup info vgro-lv)"
  expect_out '  Logical volume vgro/lv changed.' ulvm lvchange -p rw -S 'lv_permissions=read-only' --devices "$F"
  udmsetup info vgro-lv | grep -q '^State: *ACTIVE$' || fail "still read-only: $(udmsetup info vgro-lv)"
  ulvm lvchange -an vgro/lv --devices "$F" || fail "lvchange -an"
fi
echo PASS
