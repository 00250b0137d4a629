# Without a device list ulvm scans /dev as lvm2 does, through
# devices/global_filter then devices/filter (any of a device's names may
# accept it), skipping devices too small for a PV: `pvs`, `vgs` and the
# errors for a filtered device named on the command line are byte-equal
# with real lvm2's on the same loop devices.
. "$(dirname "$0")/common.sh"
requires lvm losetup
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
export LVM_SYSTEM_DIR="$E2E_TMP/etc"
unset UDM_LVM_CONFIG
mkdir -p "$LVM_SYSTEM_DIR"

for i in 0 1 2; do sparse_file "$E2E_TMP/d$i.img" 16M; done
sparse_file "$E2E_TMP/small.img" 1M
L0=$(attach_loop "$E2E_TMP/d0.img"); L1=$(attach_loop "$E2E_TMP/d1.img")
L2=$(attach_loop "$E2E_TMP/d2.img"); LS=$(attach_loop "$E2E_TMP/small.img")
# A second name for L1, as udev would make under /dev/disk/by-id.
ALIAS="/dev/udm-devscan-$$"
ln -s "$L1" "$ALIAS"
cleanup_fn rm -f "$ALIAS"
VG="devscan$$"

# conf GLOBAL_FILTER FILTER: lvm.conf for both tools: only this test's loop
# devices, no backups, no activation (lvm2 has no device-mapper here).
conf() {
  cat >"$LVM_SYSTEM_DIR/lvm.conf" <<CONF
devices {
	global_filter = [ $1 ]
	filter = [ $2 ]
	hints = "none"
	use_devicesfile = 0
}
global {
	activation = 0
	use_lvmpolld = 0
}
backup {
	backup = 0
	archive = 0
}
CONF
}
ours="\"a|^$L0\$|\", \"a|^$L1\$|\", \"a|^$L2\$|\", \"a|^$LS\$|\", \"a|^$ALIAS\$|\", \"r|.*|\""
conf "$ours" '"a|.*|"'
lvm pvcreate -q "$L0" "$L1" >/dev/null 2>&1 || fail "lvm2 pvcreate"
lvm vgcreate -q "$VG" "$L0" >/dev/null 2>&1 || fail "lvm2 vgcreate"

# run TOOL ARGS...: exit code, stdout and stderr (without lvm2's note that
# activation is off).
run() {
  local tool="$1"; shift
  local rc=0
  timeout 60 "$tool" "$@" </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
  echo "rc=$rc"
  cat "$E2E_TMP/out"
  echo "-- stderr"
  grep -v "WARNING: Activation disabled" "$E2E_TMP/err" || true
}
same() {
  local real mine
  real=$(run lvm "$@"); mine=$(run ulvm "$@")
  [ "$real" == "$mine" ] || fail "ulvm $* differs from lvm2:
lvm2:
$real
ulvm:
$mine"
}

# Every device accepted: the PVs found by the scan, the 1M loop skipped.
same pvs
same pvs -o pv_name,vg_name,pv_size,dev_size
same vgs -o vg_name,pv_count,vg_size
same pvs "$L1"
same pvs "$LS"
same pvs /dev/udm-devscan-none-$$
# fullreport: every field of the VG, its PVs (metadata area free space in
# lvm2's whole sectors) and the orphans.
same fullreport
same pvs -o pv_name,pv_mda_free,pv_mda_size
# json_std came after lvm2 2.03.16: refused as that lvm2 refuses it.
same pvs --reportformat json_std
same pvs --config 'report/output_format="json_std"'
same lvmconfig --type bad
# filter rejects L1: gone from the scan, refused by name.
conf "$ours" "\"r|^$L1\$|\""
same pvs
same pvs "$L1"
same pvs "$L0" "$L1"
same pvs --reportformat json "$L0" "$L1"
same pvcreate "$L1"
same pvcreate "$L2" --config "devices/global_filter=[\"r|^$L2\$|\"]"
# The same through global_filter.
conf "\"r|^$L1\$|\", $ours" '"a|.*|"'
same pvs
same pvs "$L1"
# L1 accepted through its other name only: lvm2 then calls it by that name.
conf "\"a|^$ALIAS\$|\", \"a|^$L0\$|\", \"r|.*|\"" '"a|.*|"'
same pvs
same pvs -o pv_name,pv_uuid --noheadings
# devices/types: a driver lvm2 does not know stays out whatever the filters
# say; loop is known. pv_min_size lets the small loop in.
conf "$ours" '"a|.*|"'
same pvs "$LS" --config 'devices/pv_min_size=512'

# A directory in udm's devices/devices is scanned the same way (L1 goes by
# its symlink, which lvm2 prefers to the node); files listed
# beside it are used as before.
F="$E2E_TMP/file.img"
sparse_file "$F" 16M
ulvm pvcreate -q "$F" --config "devices/global_filter=[\"a|.*|\"]" --devices "$F" >/dev/null || fail "ulvm pvcreate on a file"
cat >>"$LVM_SYSTEM_DIR/lvm.conf" <<CONF
devices { devices = [ "/dev", "$F" ] }
CONF
got=$(ulvm pvs --noheadings -o pv_name --config "devices/global_filter=[\"a|^$F\$|\", $ours]" | tr -d ' ' | sort | tr '\n' ' ')
want=$(printf '%s\n' "$F" "$L0" "$ALIAS" | sort | tr '\n' ' ')
[ "$got" == "$want" ] || fail "devices = [ /dev, FILE ]: got [$got], want [$want]"

lvm vgremove -qq -f "$VG" >/dev/null 2>&1 || true
echo OK
