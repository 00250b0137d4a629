# The set-up the lvm_everyday and lvm_commands tests share: four loop devices
# ($A $B $C $D) with VGs made by real lvm2, and `same CMD...`, which runs CMD
# with lvm2 (activation off, only these devices) and with ulvm (on $UDEVS,
# the loop devices unless a test points ulvm at copies) and fails unless
# stdout, stderr (lvm2's activation/backup warnings aside) and exit match.
. "$(dirname "$0")/common.sh"
requires lvm losetup
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
export TZ=UTC
for n in a b c d; do sparse_file "$E2E_TMP/$n.img" 64M; done
A=$(attach_loop "$E2E_TMP/a.img"); B=$(attach_loop "$E2E_TMP/b.img")
C=$(attach_loop "$E2E_TMP/c.img"); D=$(attach_loop "$E2E_TMP/d.img")
mkdir -p "$E2E_TMP/lvmlock"
CFG=$(lvm_cfg "$A" "$B" "$C" "$D")
CFG=${CFG/use_lvmpolld=0/use_lvmpolld=0 locking_dir=\"$E2E_TMP/lvmlock\"}
UDEVS="$A,$B,$C,$D"
mk() { lvm "$@" --config "$CFG" >/dev/null 2>&1 || fail "lvm $*"; }
mk pvcreate -q "$A" "$B" "$C" "$D"
mk vgcreate -q vgx "$A" "$B"
mk vgcreate -q -s 1m a_rather_long_vg_name "$C"
mk lvcreate -q -an -Zn -L 8M -n one vgx
mk lvcreate -q -an -Zn -L 12M -n two --addtag tt --alloc contiguous vgx
mk lvcreate -q -an -Zn -L 100M -n wide vgx
mk lvcreate -q -an -Zn -L 3M -n small a_rather_long_vg_name

# normalise: what a test maps in both tools' output (paths of copies, uuids);
# ulvm_arg: how a test maps an argument for ulvm (a loop device to its copy).
normalise() { cat; }
ulvm_arg() { printf '%s\n' "$1"; }
# run TOOL CMD...: "rc=N", stdout, then the cleaned stderr of TOOL running CMD.
run() {
  local tool="$1"; shift
  local rc=0 args=("$@")
  if [ "$tool" == lvm ]; then
    args+=(--config "$CFG")
  else
    local i
    for i in "${!args[@]}"; do args[i]=$(ulvm_arg "${args[i]}"); done
    args+=(--devices "$UDEVS")
  fi
  timeout 20 "$tool" "${args[@]}" </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
  echo "rc=$rc"
  sed -E 's/^  pvscan\[[0-9]+\]/  pvscan[PID]/' "$E2E_TMP/out" | normalise
  echo "-- stderr"
  grep -v -e 'WARNING: Activation disabled. No device-mapper interaction will be attempted.' \
    -e 'WARNING: This metadata update is NOT backed up.' "$E2E_TMP/err" | normalise || true
}
same() {
  local real ours
  real=$(run lvm "$@"); ours=$(run ulvm "$@")
  [ "$real" == "$ours" ] || fail "ulvm $* differs from lvm2:
$(diff <(echo "$real") <(echo "$ours") | head -30)"
}
