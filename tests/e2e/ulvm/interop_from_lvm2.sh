# A VG made by real lvm2 (on loop devices) reads the same in ulvm: lvs/vgs/pvs
# --reportformat json give the same fields and values; then ulvm changes it
# and real lvm2 still accepts it (vgck) and sees the change.
. "$(dirname "$0")/common.sh"
requires lvm losetup
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
sparse_file "$E2E_TMP/a.img" 64M; sparse_file "$E2E_TMP/b.img" 64M
A=$(attach_loop "$E2E_TMP/a.img"); B=$(attach_loop "$E2E_TMP/b.img")
CFG=$(lvm_cfg "$A" "$B")
L() { lvm "$@" --config "$CFG" 2>"$E2E_TMP/lvm.err" || fail "lvm $*: $(cat "$E2E_TMP/lvm.err")"; }
L pvcreate -q "$A" "$B" >/dev/null
L vgcreate -q vgx "$A" "$B" >/dev/null
L lvcreate -q -an -Zn -L 10M -n lv0 vgx >/dev/null
L lvcreate -q -an -Zn -L 10M -i2 -I 32k -n str vgx >/dev/null
L lvcreate -q -an -Zn -l 3 -n lv-x vgx >/dev/null
L lvcreate -q -an -Zn --type zero -L 8M -n z vgx >/dev/null
L lvcreate -q -an -Zn --type error -L 4M -n e vgx >/dev/null
L lvextend -q -L +8M vgx/lv0 >/dev/null

same() {  # same REPORT ARGS...: real lvm2 and ulvm print the same JSON
  local real ours
  real=$(L "$@" --reportformat json)
  ours=$(ulvm "$@" --reportformat json --devices "$A,$B" 2>"$E2E_TMP/ulvm.err") || fail "ulvm $*: $(cat "$E2E_TMP/ulvm.err")"
  [ "$real" == "$ours" ] || fail "ulvm $* differs from lvm2:
lvm2: $real
ulvm: $ours"
}
same lvs
same lvs -a -o+lv_uuid,seg_count,seg_pe_ranges,devices,segtype,stripes,stripe_size,seg_start_pe,seg_size_pe
same lvs -o lv_name,lv_size,lv_path,lv_dm_path,lv_layout,lv_role --units s
same vgs
same vgs -o+vg_uuid,vg_extent_size,vg_extent_count,vg_free_count,vg_seqno,max_lv,max_pv,vg_mda_count --units b
same pvs
same pvs -o+pv_uuid,pe_start,pv_pe_count,pv_pe_alloc_count,dev_size,pv_mda_count,pv_used --units k
same pvs --segments -o+lv_name,seg_start_pe,segtype

# The display commands print what lvm2 prints.
for cmd in "pvdisplay" "vgdisplay vgx" "lvdisplay -m vgx"; do
  real=$(L $cmd)
  ours=$(ulvm $cmd --devices "$A,$B") || fail "ulvm $cmd"
  [ "$real" == "$ours" ] || fail "ulvm $cmd differs from lvm2:
$(diff <(echo "$real") <(echo "$ours"))"
done

# ulvm writes the next version; real lvm2 reads it.
ulvm lvcreate -an -L 4M -n made-by-ulvm vgx --devices "$A,$B" >/dev/null || fail "ulvm lvcreate"
ulvm lvextend -L +4M vgx/str --devices "$A,$B" >/dev/null || fail "ulvm lvextend striped"
L vgck vgx
grep -v "Activation disabled" "$E2E_TMP/lvm.err" | grep . && fail "lvm2 vgck complained"
same lvs -a -o+seg_pe_ranges,devices,stripes,stripe_size
[ "$(L lvs --noheadings -o lv_size --units m vgx/made-by-ulvm | tr -d ' ')" == "4.00m" ] || fail "lvm2 does not see the new LV"
echo PASS
