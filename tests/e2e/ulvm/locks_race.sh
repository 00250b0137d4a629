# ulvm takes lvm2's own locks (/run/lock/lvm, V_<vg> and P_global, lvm2's
# flock protocol), so it excludes every other ulvm and real lvm2:
#   A. two ulvm racing 20 rounds of lvcreate/lvremove each, with different
#      environments (UDM_LVM_LOCKDIR, UDM_LVM_CONFDIR, TMPDIR) and different
#      uids (root, and nobody with CAP_DAC_OVERRIDE to reach the root-only
#      lock directory and the PV files): nothing is lost.
#   B. ulvm and real lvm2 racing the same way on the same loop devices.
# After each race every LV either side left is there, the seqno counts every
# commit, and real lvm2's vgck is clean. A user who cannot open lvm2's lock
# directory gets lvm2's error (exit 5) rather than a private lock.
. "$(dirname "$0")/common.sh"
requires lvm losetup setpriv
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices and setpriv"; exit 77; }
ROUNDS=20
LOCKDIR=/run/lock/lvm

expected() {  # expected NAME...: the LVs the sides leave, sorted
  local n i
  for n in "$@"; do for i in $(seq 1 $ROUNDS); do (( i % 3 == 0 )) || echo "$n$i"; done; done | sort
}
COMMITS=$(( 2 * (ROUNDS + ROUNDS / 3) ))  # both sides' lvcreate and lvremove

# check VG LVM_CFG ULVM_DEVICES NAME...: the LVs, the seqno, and real vgck.
check() {
  local vg=$1 cfg=$2 devs=$3; shift 3
  local want got_u got_l
  want=$(expected "$@")
  got_u=$(ulvm lvs --noheadings -o lv_name "$vg" --devices "$devs" | tr -d ' ' | sort)
  [ "$got_u" == "$want" ] || fail "$vg: ulvm lvs differs from what both sides did:
$(diff <(echo "$want") <(echo "$got_u"))"
  got_l=$(lvm lvs --noheadings -o lv_name "$vg" --config "$cfg" 2>/dev/null | tr -d ' ' | sort)
  [ "$got_l" == "$want" ] || fail "$vg: lvm2 lvs differs from what both sides did:
$(diff <(echo "$want") <(echo "$got_l"))"
  expect_eq "$(ulvm vgs --noheadings -o vg_seqno "$vg" --devices "$devs" | tr -d ' ')" $((1 + COMMITS)) "$vg ulvm seqno"
  expect_eq "$(lvm vgs --noheadings -o vg_seqno "$vg" --config "$cfg" 2>/dev/null | tr -d ' ')" $((1 + COMMITS)) "$vg lvm2 seqno"
  lvm vgck "$vg" --config "$cfg" 2>"$E2E_TMP/vgck.err" || fail "$vg: lvm2 vgck: $(cat "$E2E_TMP/vgck.err")"
  if grep -v "WARNING: Activation disabled" "$E2E_TMP/vgck.err" | grep .; then fail "$vg: lvm2 vgck complained"; fi
  ulvm vgck "$vg" --devices "$devs" 2>"$E2E_TMP/vgck.err" || fail "$vg: ulvm vgck: $(cat "$E2E_TMP/vgck.err")"
  [ ! -s "$E2E_TMP/vgck.err" ] || fail "$vg: ulvm vgck complained: $(cat "$E2E_TMP/vgck.err")"
}

echo "== A. ulvm (root) vs ulvm (nobody), different environments"
F1="$E2E_TMP/f1.img" F2="$E2E_TMP/f2.img"
sparse_file "$F1" 256M; sparse_file "$F2" 256M
chmod 666 "$F1" "$F2"
VGA=race_u$$
ulvm vgcreate "$VGA" "$F1" "$F2" --devices "$F1,$F2" >/dev/null || fail "vgcreate"
mkdir -p "$E2E_TMP/c1" "$E2E_TMP/c2" "$E2E_TMP/t2" && chmod 777 "$E2E_TMP/c2" "$E2E_TMP/t2"
as_root() { UDM_LVM_LOCKDIR="$E2E_TMP/l1" UDM_LVM_CONFDIR="$E2E_TMP/c1" ulvm "$@" "$VGA" --devices "$F1,$F2"; }
as_nobody() {
  UDM_LVM_LOCKDIR="$E2E_TMP/l2" UDM_LVM_CONFDIR="$E2E_TMP/c2" TMPDIR="$E2E_TMP/t2" \
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+dac_override --ambient-caps=+dac_override \
    "$(command -v ulvm)" "$@" "$VGA" --devices "$F1,$F2"
}
# u_side WHO NAME: ROUNDS rounds of "lvcreate NAME<i>", and its lvremove
# every third round, as WHO (as_root or as_nobody).
u_side() {
  local who=$1 name=$2 i
  for i in $(seq 1 $ROUNDS); do
    $who lvcreate -an -L 4M -n "$name$i" >>"$E2E_TMP/$name.log" 2>&1 || { echo "lvcreate $name$i failed" >>"$E2E_TMP/$name.log"; return 1; }
    if (( i % 3 == 0 )); then
      ${who}_rm "$name$i" >>"$E2E_TMP/$name.log" 2>&1 || { echo "lvremove $name$i failed" >>"$E2E_TMP/$name.log"; return 1; }
    fi
  done
}
as_root_rm() { UDM_LVM_LOCKDIR="$E2E_TMP/l1" UDM_LVM_CONFDIR="$E2E_TMP/c1" ulvm lvremove -y "$VGA/$1" --devices "$F1,$F2"; }
as_nobody_rm() {
  UDM_LVM_LOCKDIR="$E2E_TMP/l2" UDM_LVM_CONFDIR="$E2E_TMP/c2" TMPDIR="$E2E_TMP/t2" \
    setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+dac_override --ambient-caps=+dac_override \
    "$(command -v ulvm)" lvremove -y "$VGA/$1" --devices "$F1,$F2"
}
u_side as_root r & p1=$!
u_side as_nobody n & p2=$!
wait $p1 || fail "root side: $(tail -5 "$E2E_TMP/r.log")"
wait $p2 || fail "nobody side: $(tail -5 "$E2E_TMP/n.log")"
LA=$(attach_loop -r "$F1"); LB=$(attach_loop -r "$F2")
check "$VGA" "$(lvm_cfg "$LA" "$LB")" "$LA,$LB" r n
echo "A: $ROUNDS rounds each, nothing lost"

# Without access to lvm2's lock directory there is no private fallback.
if [ "$(stat -c %a "$LOCKDIR" 2>/dev/null)" == 700 ]; then
  rc=0
  setpriv --reuid=65534 --regid=65534 --clear-groups "$(command -v ulvm)" lvcreate -an -L 4M -n x "$VGA" \
    --devices "$F1,$F2" >/dev/null 2>"$E2E_TMP/nobody.err" || rc=$?
  expect_eq "$rc" 5 "exit of ulvm without access to $LOCKDIR"
  expect_eq "$(cat "$E2E_TMP/nobody.err")" "  $LOCKDIR/V_$VGA:aux: open failed: Permission denied
  Can't get lock for $VGA." "error without access to $LOCKDIR"
fi

echo "== B. ulvm vs real lvm2 on the same loop devices"
sparse_file "$E2E_TMP/g1.img" 256M; sparse_file "$E2E_TMP/g2.img" 256M
G1=$(attach_loop "$E2E_TMP/g1.img"); G2=$(attach_loop "$E2E_TMP/g2.img")
CFG=$(lvm_cfg "$G1" "$G2")
VGB=race_l$$
lvm vgcreate -q "$VGB" "$G1" "$G2" --config "$CFG" >/dev/null 2>"$E2E_TMP/lvm.err" || fail "lvm vgcreate: $(cat "$E2E_TMP/lvm.err")"
l_side() {
  local i
  for i in $(seq 1 $ROUNDS); do
    lvm lvcreate -q -an -Zn -Wn -L 4M -n "l$i" "$VGB" --config "$CFG" >>"$E2E_TMP/l.log" 2>&1 || { echo "lvcreate l$i failed" >>"$E2E_TMP/l.log"; return 1; }
    if (( i % 3 == 0 )); then
      lvm lvremove -q -y "$VGB/l$i" --config "$CFG" >>"$E2E_TMP/l.log" 2>&1 || { echo "lvremove l$i failed" >>"$E2E_TMP/l.log"; return 1; }
    fi
  done
}
ul_side() {
  local i
  for i in $(seq 1 $ROUNDS); do
    ulvm lvcreate -an -L 4M -n "u$i" "$VGB" --devices "$G1,$G2" >>"$E2E_TMP/u.log" 2>&1 || { echo "lvcreate u$i failed" >>"$E2E_TMP/u.log"; return 1; }
    if (( i % 3 == 0 )); then
      ulvm lvremove -y "$VGB/u$i" --devices "$G1,$G2" >>"$E2E_TMP/u.log" 2>&1 || { echo "lvremove u$i failed" >>"$E2E_TMP/u.log"; return 1; }
    fi
  done
}
l_side & p1=$!
ul_side & p2=$!
wait $p1 || fail "lvm2 side: $(tail -5 "$E2E_TMP/l.log")"
wait $p2 || fail "ulvm side: $(tail -5 "$E2E_TMP/u.log")"
check "$VGB" "$CFG" "$G1,$G2" l u
echo "B: $ROUNDS rounds each, nothing lost"
echo PASS
