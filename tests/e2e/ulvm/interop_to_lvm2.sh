# A VG made by ulvm on sparse files passes real lvm2's checks (pvck, vgck with
# a clean stderr) and real lvm2 shows the same segments (lvs -o+seg_pe_ranges).
. "$(dirname "$0")/common.sh"
requires lvm losetup pvck
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
FA="$E2E_TMP/a.img"; FB="$E2E_TMP/b.img"
sparse_file "$FA" 64M; sparse_file "$FB" 64M
D="--devices $FA,$FB"
ulvm vgcreate $D -s 2m vgu "$FA" "$FB" >/dev/null || fail "vgcreate"
ulvm lvcreate $D -an -L 10M -n one vgu >/dev/null || fail "lvcreate one"
ulvm lvcreate $D -an -l 6 -i 2 -I 128k -n two vgu >/dev/null || fail "lvcreate two"
ulvm lvcreate $D -an -l 20%FREE -n three vgu >/dev/null || fail "lvcreate three"
ulvm lvextend $D -l +3 vgu/one >/dev/null || fail "lvextend"
ulvm lvcreate $D -an --type error -L 2M -n err vgu >/dev/null || fail "lvcreate error"
ulvm lvremove $D -y vgu/three >/dev/null || fail "lvremove"

for f in "$FA" "$FB"; do
  out=$(pvck --dump headers "$f" 2>&1) || fail "pvck $f: $out"
  grep -q CHECK <<<"$out" && fail "pvck $f: $out"
done
A=$(attach_loop -r "$FA"); B=$(attach_loop -r "$FB")
CFG=$(lvm_cfg "$A" "$B")
lvm vgck vgu --config "$CFG" 2>"$E2E_TMP/lvm.err" || fail "vgck: $(cat "$E2E_TMP/lvm.err")"
grep -v "Activation disabled" "$E2E_TMP/lvm.err" | grep . && fail "lvm2 vgck complained"
for args in "lvs -a -o+seg_pe_ranges,devices,segtype,stripes,stripe_size" "vgs -o+vg_extent_size,vg_seqno,vg_uuid" \
            "pvs -o+pv_uuid,pe_start,pv_pe_count"; do
  real=$(lvm $args --reportformat json --config "$CFG" 2>/dev/null)
  ours=$(ulvm $args --reportformat json --devices "$A,$B") || fail "ulvm $args"
  [ "$real" == "$ours" ] || fail "$args differs:
lvm2: $real
ulvm: $ours"
done
echo PASS
