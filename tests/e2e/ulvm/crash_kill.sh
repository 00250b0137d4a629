# Crash safety: ulvm is killed (SIGKILL) at a random point while it commits
# metadata, 200 times. Every time the VG opens afterwards at the old or the
# new seqno, with the LV the command made present exactly when the seqno
# moved, and real lvm2's vgck agrees (checked every 20 kills and at the end).
. "$(dirname "$0")/common.sh"
requires lvm losetup
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
FA="$E2E_TMP/a.img"; FB="$E2E_TMP/b.img"
sparse_file "$FA" 64M; sparse_file "$FB" 64M
D="--devices $FA,$FB"
ulvm vgcreate $D -s 64k vgk "$FA" "$FB" >/dev/null || fail "vgcreate"

seqno() { ulvm vgs $D --noheadings -o vg_seqno vgk | tr -d ' '; }

real_lvm_agrees() {
  local a b cfg real
  a=$(attach_loop -r "$FA"); b=$(attach_loop -r "$FB")
  cfg=$(lvm_cfg "$a" "$b")
  lvm vgck vgk --config "$cfg" 2>"$E2E_TMP/vgck.err" || fail "real vgck after kill $1: $(cat "$E2E_TMP/vgck.err")"
  real=$(lvm vgs vgk --noheadings -o vg_seqno --config "$cfg" 2>/dev/null | tr -d ' ')
  expect_eq "$real" "$(seqno)" "real lvm2's seqno after kill $1"
  detach_loop "$a"; detach_loop "$b"
}

moved=0
for ((i = 1; i <= 200; i++)); do
  before=$(seqno) || fail "VG does not open before kill $i"
  # Alternate a create and a remove so the metadata keeps changing size.
  if ((i % 2)); then
    ulvm lvcreate $D -an -l 1 -n "lv$i" vgk >/dev/null 2>&1 &
    lv="lv$i"; want_after=present
  else
    ulvm lvremove $D -y "vgk/lv$((i - 1))" >/dev/null 2>&1 &
    lv="lv$((i - 1))"; want_after=absent
  fi
  pid=$!
  sleep "0.00$((RANDOM % 10))"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true

  after=$(seqno) || fail "VG does not open after kill $i"
  has=absent
  grep -qw "$lv" <<<"$(ulvm lvs $D --noheadings -o lv_name vgk)" && has=present
  if [ "$after" == "$before" ]; then
    # Old metadata: the command's change must not show.
    [ "$want_after" == present ] && [ "$has" == present ] && fail "kill $i: $lv exists at the old seqno $before"
    [ "$want_after" == absent ] && [ "$has" == absent ] && fail "kill $i: $lv vanished at the old seqno $before"
    # Bring the VG to the state the next iteration expects.
    if [ "$want_after" == present ]; then ulvm lvcreate $D -an -l 1 -n "$lv" vgk >/dev/null || fail "redo $lv"
    else ulvm lvremove $D -y "vgk/$lv" >/dev/null || fail "redo remove $lv"; fi
  elif [ "$after" == $((before + 1)) ]; then
    moved=$((moved + 1))
    [ "$has" == "$want_after" ] || fail "kill $i: seqno moved to $after but $lv is $has"
  else
    fail "kill $i: seqno $before became $after"
  fi
  ((i % 20)) || real_lvm_agrees "$i"
done
real_lvm_agrees end
echo "PASS: 200 kills, $moved landed the new seqno, $((200 - moved)) kept the old one"
