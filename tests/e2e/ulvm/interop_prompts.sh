# ulvm's questions and refusals print what real lvm2 prints, measured on the
# same loop devices: the same stderr (lvm2's activation-disabled and backup
# warnings aside) and exit code for each answer.
. "$(dirname "$0")/common.sh"
requires lvm losetup mkfs.ext4
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
sparse_file "$E2E_TMP/a.img" 64M; sparse_file "$E2E_TMP/b.img" 64M; sparse_file "$E2E_TMP/c.img" 64M
A=$(attach_loop "$E2E_TMP/a.img"); B=$(attach_loop "$E2E_TMP/b.img"); C=$(attach_loop "$E2E_TMP/c.img")
mkdir -p "$E2E_TMP/lvmlock"
CFG=$(lvm_cfg "$A" "$B" "$C")
CFG=${CFG/use_lvmpolld=0/use_lvmpolld=0 locking_dir=\"$E2E_TMP/lvmlock\"}
lvm pvcreate -q "$A" "$B" --config "$CFG" >/dev/null 2>&1 || fail "lvm pvcreate"
lvm vgcreate -q vgx "$A" "$B" --config "$CFG" >/dev/null 2>&1 || fail "lvm vgcreate"
lvm lvcreate -q -an -Zn -L 8M -n one vgx --config "$CFG" >/dev/null 2>&1 || fail "lvm lvcreate"
lvm lvcreate -q -an -Zn -L 8M -n two vgx --config "$CFG" >/dev/null 2>&1 || fail "lvm lvcreate"

# run TOOL INPUT CMD...: prints "rc=N" and the cleaned stderr of TOOL (lvm or
# ulvm) running CMD with INPUT on stdin ("" = /dev/null).
run() {
  local tool="$1" input="$2"; shift 2
  local rc=0 args=("$@")
  if [ "$tool" == lvm ]; then args+=(--config "$CFG"); else args+=(--devices "$A,$B,$C"); fi
  if [ -z "$input" ]; then timeout 20 "$tool" "${args[@]}" </dev/null >/dev/null 2>"$E2E_TMP/err" || rc=$?
  else printf '%s' "$input" | timeout 20 "$tool" "${args[@]}" >/dev/null 2>"$E2E_TMP/err" || rc=$?; fi
  echo "rc=$rc"
  sed -e 's/  WARNING: Activation disabled. No device-mapper interaction will be attempted.//' \
      -e 's/  WARNING: This metadata update is NOT backed up.//' "$E2E_TMP/err" | sed '/^$/d'
}
# same INPUT CMD...: lvm2 and ulvm answer alike (neither changes anything:
# every case here is refused).
same() {
  local real ours
  real=$(run lvm "$@"); ours=$(run ulvm "$@")
  [ "$real" == "$ours" ] || fail "ulvm $* differs from lvm2:
lvm2:
$real
ulvm:
$ours"
}

same "" vgremove vgx
same $'n\n' vgremove vgx
same $'x\nno\n' vgremove vgx
same "" pvremove "$A"
same "" pvremove -y "$A"
same "" pvremove -ff "$A"
same $'n\n' pvremove -ff "$A"
same "" pvcreate "$A"
same "" pvcreate -ff "$A"
same "" lvcreate -t -an -l 100 -n big vgx
mkfs.ext4 -q -F "$C"
same "" pvcreate "$C"
same $'n\n' pvcreate "$C"
same "" vgcreate vgy "$C"
[ "$(lvm lvs --noheadings -o lv_name vgx --config "$CFG" 2>/dev/null | tr -d ' ' | tr '\n' ' ')" == "one two " ] ||
  fail "a refused command changed vgx"
echo PASS
