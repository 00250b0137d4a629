# ulvm on PVs that are this udmd's own mapped devices (their block devices,
# so the LVs' tables name them by maj:min): activating an active LV again
# reloads nothing; a raid1 whose leg fails is repaired with lvconvert
# --repair (the raid table's load reads the kept _rmeta devices: tables
# load before anything is suspended, as lvm2 does, so it does not wait on
# a suspended one), gains and loses a leg (-m 2, -m 1), and keeps its data;
# a thin pool and a snapshot's COW grow with lvextend (the growing lower
# device runs its new size before the tables above it load).
export UDM_BLOCK_DEVICES=1
. "$(dirname "$0")/common.sh"
requires udmd udmsetup losetup cmp
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
[ -e /dev/fuse ] && [ -e /dev/loop-control ] || { echo "SKIP: needs /dev/fuse and /dev/loop-control"; exit 77; }
D="$E2E_TMP/devdir"
mkdir -p "$D"
start_daemon --devdir "$D"
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf" UDM_NO_AUTOSTART=1
V="stk$$"
P=()
for i in 0 1 2; do
  sparse_file "$E2E_TMP/s$i.img" 64M
  udmsetup create "${V}pv$i" --table "0 131072 linear $E2E_TMP/s$i.img 0" || fail "udmsetup create ${V}pv$i"
  P[i]="$D/mapper/${V}pv$i"
  [ -b "${P[i]}" ] || fail "no block device ${P[i]}"
done
udm_devices "${P[@]}"
ulvm vgcreate "$V" "${P[@]}" >/dev/null || fail "vgcreate"
# ulvm_t SECONDS ARGS...: ulvm that must not hang (a load waiting on a suspended device would).
ulvm_t() { local s=$1; shift; timeout "$s" ulvm "$@" || fail "ulvm $* (rc $?)"; }
ulvm_t 60 lvcreate -y --type raid1 -m 1 -L 16M -n r "$V" "${P[0]}" "${P[1]}" >/dev/null
wait_idle "$V-r"
R="$UDM_RUNDIR/dev/mapper/$V-r"
head -c 16M /dev/urandom >"$E2E_TMP/data"
dd if="$E2E_TMP/data" of="$R" bs=1M oflag=direct conv=notrunc status=none || fail "write r"
# events NAME...: the devices' event numbers (a reload raises one).
events() { local n; for n in "$@"; do udmsetup info -c --noheadings -o events "$n" | tr -d ' '; done | tr '\n' ' '; }
subs=("$V-r_rmeta_0" "$V-r_rimage_0" "$V-r_rmeta_1" "$V-r_rimage_1")
before=$(events "${subs[@]}")
ulvm_t 60 lvchange -ay "$V/r"
expect_eq "$(events "${subs[@]}")" "$before" "sub-LV events after activating again (a reload of the same table)"

# Leg 1's image fails; the repair puts a new pair on the third PV.
sectors=$(udmsetup table "$V-r_rimage_1" | cut -d' ' -f2)
udmsetup load "$V-r_rimage_1" --table "0 $sectors error" || fail "load error"
udmsetup suspend "$V-r_rimage_1" && udmsetup resume "$V-r_rimage_1" || fail "switch to error"
dd if="$E2E_TMP/data" of="$R" bs=1M count=1 oflag=direct conv=notrunc status=none || fail "write degraded"
case "$(raid_status "$V-r")" in "raid1 2 AD "*) ;; *) fail "status after failure: $(raid_status "$V-r")";; esac
ulvm_t 60 lvconvert -y --repair "$V/r" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
expect_eq "$(cat "$E2E_TMP/out")" "  Faulty devices in $V/r successfully replaced." "repair message"
expect_eq "$(dev_of "$V/r_rimage_1")" "${P[2]}" "new leg's PV"
wait_idle "$V-r"
[ -z "$(udmsetup ls | grep extracted)" ] || fail "extracted devices left: $(udmsetup ls)"
legs_equal() {
  local i
  for i in "$@"; do
    cmp "$UDM_RUNDIR/dev/mapper/$V-r_rimage_0" "$UDM_RUNDIR/dev/mapper/$V-r_rimage_$i" || fail "leg $i differs"
  done
}
legs_equal 1
cmp "$R" "$E2E_TMP/data" || fail "data after the repair"

# A third leg on the freed PV, then back to two: the set's device count changes.
expect_out "  Logical volume $V/r successfully converted." ulvm_t 60 lvconvert -y -m 2 "$V/r"
wait_idle "$V-r"
case "$(raid_status "$V-r")" in "raid1 3 AAA "*) ;; *) fail "status with 3 legs: $(raid_status "$V-r")";; esac
legs_equal 1 2
expect_out "  Logical volume $V/r successfully converted." ulvm_t 60 lvconvert -y -m 1 "$V/r"
case "$(raid_status "$V-r")" in "raid1 2 AA "*) ;; *) fail "status with 2 legs: $(raid_status "$V-r")";; esac
cmp "$R" "$E2E_TMP/data" || fail "data after -m 2 and -m 1"

# Stacked LVs grow: a thin pool (its _tdata, then -tpool) and a snapshot's COW.
ulvm_t 60 lvcreate -y -L 8M -T "$V/pool" "${P[0]}" >/dev/null
ulvm_t 60 lvcreate -y -V 8M -T "$V/pool" -n t >/dev/null
head -c 4M /dev/urandom >"$E2E_TMP/tdata"
dd if="$E2E_TMP/tdata" of="$UDM_RUNDIR/dev/mapper/$V-t" bs=1M oflag=direct conv=notrunc status=none || fail "write t"
ulvm_t 60 lvextend -y -L +8M "$V/pool" >/dev/null
expect_eq "$(udmsetup table "$V-pool-tpool" | cut -d' ' -f2)" 32768 "tpool size after lvextend"
cmp -n 4194304 "$UDM_RUNDIR/dev/mapper/$V-t" "$E2E_TMP/tdata" || fail "thin data after lvextend"
ulvm_t 60 lvcreate -y -L 4M -n o "$V" "${P[1]}" >/dev/null
ulvm_t 60 lvcreate -y -s -L 4M -n s "$V/o" >/dev/null
ulvm_t 60 lvextend -y -L +4M "$V/s" >/dev/null
expect_eq "$(udmsetup table "$V-s-cow" | cut -d' ' -f2)" 16384 "COW size after lvextend"
case "$(udmsetup status "$V-s")" in *Invalid*|"") fail "snapshot after lvextend: $(udmsetup status "$V-s")";; esac
for n in $(udmsetup ls | cut -f1); do
  udmsetup info "$n" | grep -q "^State: *ACTIVE" || fail "$n left $(udmsetup info "$n" | grep State)"
done
ulvm vgchange -an "$V" >/dev/null || fail "vgchange -an"
echo OK
