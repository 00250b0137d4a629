# Shared start of the ulvm e2e scripts: the project's lib.sh plus helpers.
# shellcheck disable=SC1090
. "$UDM_E2E_LIB"
command -v ulvm >/dev/null || { echo "SKIP: ulvm not built"; exit 77; }
export UDM_LVM_CONFDIR="$E2E_TMP/conf"

# expect_out "EXPECTED" CMD...: CMD succeeds and prints exactly EXPECTED.
expect_out() {
  local want="$1"; shift
  local got
  got=$("$@" 2>"$E2E_TMP/stderr") || fail "$* exited $?: $(cat "$E2E_TMP/stderr")"
  [ "$got" == "$want" ] || fail "$*: expected
$want
got
$got"
}

# expect_fail RC "STDERR" CMD...: CMD exits RC and prints exactly STDERR.
expect_fail() {
  local rc_want="$1" want="$2"; shift 2
  local rc=0
  "$@" >"$E2E_TMP/stdout" 2>"$E2E_TMP/stderr" || rc=$?
  [ "$rc" == "$rc_want" ] || fail "$*: expected exit $rc_want, got $rc ($(cat "$E2E_TMP/stderr"))"
  [ "$(cat "$E2E_TMP/stderr")" == "$want" ] || fail "$*: expected stderr
$want
got
$(cat "$E2E_TMP/stderr")"
}

# vg0_on_file SIZE: VG vg0 on one sparse file $A of SIZE, the only device
# ulvm sees (UDM_LVM_CONFIG).
vg0_on_file() {
  A="$E2E_TMP/a.img"
  sparse_file "$A" "$1"
  export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
  echo "devices = $A" > "$UDM_LVM_CONFIG"
  ulvm vgcreate vg0 "$A" >/dev/null || fail "vgcreate"
}

# Real lvm2 on loop devices, safely (LVM2-FORMAT.md §10): activation off, only
# our loop devices, no backups. lvm_cfg DEV... prints the --config string.
lvm_cfg() {
  local f="" d
  for d in "$@"; do f="$f\"a|^$d\$|\","; done
  echo "global{activation=0 use_lvmpolld=0} devices{global_filter=[${f}\"r|.*|\"] hints=\"none\" use_devicesfile=0} backup{backup=0 archive=0}"
}
export LVM_SUPPRESS_FD_WARNINGS=1

# udm_devices DEV...: udm's device list ($UDM_LVM_CONFIG) names exactly these.
udm_devices() { echo "devices = [ $(printf '"%s", ' "$@" | sed 's/, $//') ]" >"$UDM_LVM_CONFIG"; }

# loop_pvs N [SIZE]: N sparse files ($E2E_TMP/pI.img) on loop devices in P[],
# udm's device list naming them, CFG the --config for real lvm2 on them.
loop_pvs() {
  local i
  P=()
  for ((i = 0; i < $1; i++)); do
    sparse_file "$E2E_TMP/p$i.img" "${2:-64M}"
    P+=("$(attach_loop "$E2E_TMP/p$i.img")")
  done
  export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
  udm_devices "${P[@]}"
  CFG=$(lvm_cfg "${P[@]}")
}
