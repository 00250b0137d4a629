# Commands run at the same time do not lose each other's changes: 12
# concurrent lvcreate all land (each commit sees the one before), and the VG
# stays valid for ulvm and for real lvm2's vgck.
. "$(dirname "$0")/common.sh"
A="$E2E_TMP/a.img"
sparse_file "$A" 256M
D="--devices $A"
ulvm vgcreate $D vg0 "$A" >/dev/null || fail "vgcreate"
pids=()
for i in $(seq 1 12); do
  ulvm lvcreate $D -an -l 1 -n "lv$i" vg0 >"$E2E_TMP/out$i" 2>&1 &
  pids+=($!)
  ulvm lvs $D >/dev/null 2>&1 &   # readers in between
done
for p in "${pids[@]}"; do wait "$p" || fail "an lvcreate failed: $(cat "$E2E_TMP"/out*)"; done
wait
[ "$(ulvm lvs $D --noheadings -o lv_name vg0 | wc -l)" == 12 ] || fail "expected 12 LVs: $(ulvm lvs $D vg0)"
[ "$(ulvm vgs $D --noheadings -o vg_seqno vg0 | tr -d ' ')" == 13 ] || fail "expected seqno 13"
ulvm vgck $D vg0 || fail "vgck"
if command -v lvm >/dev/null && [ "$(id -u)" == 0 ]; then
  L=$(attach_loop -r "$A")
  lvm vgck vg0 --config "$(lvm_cfg "$L")" 2>"$E2E_TMP/lvm.err" || fail "lvm2 vgck: $(cat "$E2E_TMP/lvm.err")"
fi
echo PASS
