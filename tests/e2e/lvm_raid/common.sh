# Shared start of the raid LV e2e scripts (the ulvm helpers plus raid ones).
# shellcheck disable=SC1090
. "$(dirname "$0")/../ulvm/common.sh"

# raid_status VG-LV: the raid status words after the length ("raid1 2 AA ...").
raid_status() { udmsetup status "$1" | cut -d' ' -f4-; }
# wait_idle VG-LV [SECONDS]: until every device is A and no sync runs.
wait_idle() {
  local i s
  for ((i=0; i<${2:-60}*10; i++)); do
    s=$(raid_status "$1")
    case "$s" in *" idle "*) [[ "$(echo "$s" | cut -d' ' -f3)" =~ ^A+$ ]] && return 0;; esac
    sleep 0.1
  done
  fail "$1 did not get in sync: $s"
}
# pe_of LV: the first PE of a (linear) sub-LV, as ulvm lvs says.
pe_of() { ulvm lvs -a --noheadings -o devices "$1" | sed 's/.*(\([0-9]*\)).*/\1/'; }
dev_of() { ulvm lvs -a --noheadings -o devices "$1" | sed 's/^ *\([^(]*\)(.*/\1/'; }

# lvm2_vg_on_loops N VG: real lvm2 makes VG on N loop devices (files F[],
# devices L[]); R runs real lvm2 on them; udm's device list names them.
R() { lvm "$@" --config "$CFG" >>"$E2E_TMP/lvm.log" 2>&1 || fail "lvm $*: $(tail -5 "$E2E_TMP/lvm.log")"; }
lvm2_vg_on_loops() {
  local i
  F=(); L=()
  for ((i = 0; i < $1; i++)); do
    F[i]="$E2E_TMP/p$i.img"; sparse_file "${F[i]}" 64M
    L[i]=$(attach_loop "${F[i]}")
  done
  CFG=$(lvm_cfg "${L[@]}")
  R pvcreate "${L[@]}"
  R vgcreate "$2" "${L[@]}"
  export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
  udm_devices "${L[@]}"
}
