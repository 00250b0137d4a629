# pvcreate/vgcreate --metadatasize, --pvmetadatacopies, --dataalignment lay a
# PV out as real lvm2 does (same label and mda headers in pvck, same pvs
# columns, same refusal of a too small area), and a VG whose metadata outgrows
# its areas gets lvm2's "exceeds maximum metadata size" refusal with nothing
# written.
. "$(dirname "$0")/common.sh"
requires lvm losetup pvck
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
FU="$E2E_TMP/u.img"; FL="$E2E_TMP/l.img"
sparse_file "$FU" 256M; sparse_file "$FL" 256M
U=$(attach_loop "$FU"); L=$(attach_loop "$FL")
CFG=$(lvm_cfg "$U" "$L")

# pvck's view of a PV without what differs between two PVs (uuid, crcs, the device).
headers() { pvck --dump headers "$1" --config "$CFG" 2>&1 | grep -v -e uuid -e crc -e checksum -e "Activation disabled" | sed "s|$1|DEV|g"; }
cols="pv_mda_size,pe_start,pv_mda_count,pv_pe_count,pv_mda_free"
for args in "" "--metadatasize 16m" "--metadatasize 3000k --pvmetadatacopies 2" \
            "--metadatasize 5m --dataalignment 4m --pvmetadatacopies 2" "--metadatasize 16m --pvmetadatacopies 2" \
            "--metadatasize 32k --dataalignment 64k" "--pvmetadatacopies 0" "--dataalignment 3k --pvmetadatacopies 2" "--metadatasize 1021k"; do
  # shellcheck disable=SC2086
  ulvm pvcreate -ff -y $args "$U" --devices "$U" >/dev/null || fail "ulvm pvcreate $args"
  # shellcheck disable=SC2086
  lvm pvcreate -ff -y $args "$L" --config "$CFG" >/dev/null 2>&1 || fail "lvm pvcreate $args"
  hu=$(headers "$U"); hl=$(headers "$L")
  [ "$hu" == "$hl" ] || fail "pvcreate $args: pvck headers differ:
$(diff <(echo "$hl") <(echo "$hu"))"
  grep -q CHECK <<<"$hu" && fail "pvcreate $args: pvck: $hu"
  ru=$(lvm pvs --noheadings --units b -o $cols "$U" --config "$CFG" 2>/dev/null)
  rl=$(lvm pvs --noheadings --units b -o $cols "$L" --config "$CFG" 2>/dev/null)
  [ "$ru" == "$rl" ] || fail "pvcreate $args: lvm2 pvs: ulvm's $ru, lvm2's $rl"
  ou=$(ulvm pvs --noheadings --units b -o pv_mda_size,pe_start,pv_mda_count "$U" --devices "$U")
  [ "$(awk '{print $1,$2,$3}' <<<"$ou")" == "$(awk '{print $1,$2,$3}' <<<"$rl")" ] || fail "pvcreate $args: ulvm pvs $ou, lvm2 $rl"
done

# The smallest area lvm2 takes is 32 KiB: both refuse, with the same words.
rc_u=0
out_u=$(ulvm pvcreate -ff -y --dataalignment 3k --metadatasize 10k "$U" --devices "$U" 2>&1) || rc_u=$?
out_l=$(lvm pvcreate -ff -y --dataalignment 3k --metadatasize 10k "$L" --config "$CFG" 2>&1 | grep -v "Activation disabled" || true)
[ "$rc_u" == 5 ] || fail "too small mda: ulvm exit $rc_u"
[ "${out_u//$U/DEV}" == "${out_l//$L/DEV}" ] || fail "too small mda: ulvm says
$out_u
lvm2 says
$out_l"
expect_fail 3 "  Size may not be relative/signed.
  Invalid argument for --metadatasize: -1m
  Run \`pvcreate --help' for more information." ulvm pvcreate --metadatasize -1m "$U" --devices "$U"

# vgcreate makes its new PVs with the same options.
wipefs -qa "$U" "$L" >/dev/null
ulvm vgcreate --metadatasize 8m vgu "$U" --devices "$U" >/dev/null || fail "ulvm vgcreate --metadatasize"
lvm vgcreate --metadatasize 8m vgl "$L" --config "$CFG" >/dev/null 2>&1 || fail "lvm vgcreate --metadatasize"
ru=$(lvm pvs --noheadings --units b -o pv_mda_size,pe_start,pv_pe_count "$U" --config "$CFG" 2>/dev/null)
rl=$(lvm pvs --noheadings --units b -o pv_mda_size,pe_start,pv_pe_count "$L" --config "$CFG" 2>/dev/null)
[ "$ru" == "$rl" ] || fail "vgcreate --metadatasize: ulvm's PV $ru, lvm2's $rl"
lvm vgck vgu --config "$CFG" 2>&1 | grep -v "Activation disabled" | grep . && fail "lvm2 vgck complained"

# A 32 KiB area holds copies of up to 15616 bytes: the LV that does not fit is
# refused with lvm2's words, and the VG stays as it was.
F="$E2E_TMP/small.img"; sparse_file "$F" 256M
D="--devices $F"
ulvm pvcreate --metadatasize 32k --dataalignment 36k "$F" $D >/dev/null || fail "pvcreate small"
ulvm vgcreate vgs "$F" $D >/dev/null || fail "vgcreate small"
n=0
while ulvm lvcreate -an -Zn -l1 -n "lv$n" vgs $D >/dev/null 2>"$E2E_TMP/err"; do
  n=$((n + 1)); [ $n -lt 200 ] || fail "metadata never outgrew its area"
done
seq=$((n + 2))
got=$(sed -E 's/\([0-9]+ bytes\) exceeds/(N bytes) exceeds/' "$E2E_TMP/err")
[ "$got" == "  VG vgs $seq metadata on $F (N bytes) exceeds maximum metadata size (15616 bytes)
  Failed to write VG vgs." ] || fail "refusal: $(cat "$E2E_TMP/err")"
[ "$(ulvm vgs --noheadings -o lv_count,vg_seqno vgs $D | xargs)" == "$n $((seq - 1))" ] || fail "VG changed by the refused lvcreate"
echo PASS
