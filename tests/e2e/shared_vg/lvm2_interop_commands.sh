# Real lvm2 with lvmlockd and sanlock as the other host of a VG that
# `ulvm vgchange --lock-type sanlock` made shared: lvm2 finds the LV leases
# ulvm gave the existing LVs, starts the lockspace, is refused the LV udm
# holds (and the reverse), creates an LV in ulvm's lvmlock; ulvm's vgremove
# is refused while lvm2 is in the lockspace, and works once lvm2 left.
. "$(dirname "$0")/hosts.sh"
requires lvm lvmlockd
IMG="$E2E_TMP/l.img"
sparse_file "$IMG" 1G
DEV=$(attach_loop "$IMG")
host_start A; host_start L private-run
host_conf A 1 "$DEV"
on A ulvm pvcreate "$DEV" >/dev/null || fail "pvcreate"
on A ulvm vgcreate vgl "$DEV" >/dev/null || fail "vgcreate"
on A ulvm lvcreate -an -L 4M -n k1 vgl >/dev/null && on A ulvm lvcreate -an -L 4M -n k2 vgl >/dev/null || fail "lvcreate"
on A ulvm vgchange --lock-type sanlock vgl >/dev/null || fail "lock-type sanlock"

# Host L: lvmlockd reaches the leases through /dev/mapper/vgl-lvmlock, which
# lvm2 would activate; with activation off the test makes it: a loop device
# over lvmlock (after k1 and k2: 1 MiB + 2 extents in, 256 MiB).
LOCKDEV=$(attach_loop -o $((9 << 20)) --sizelimit $((256 << 20)) "$IMG")
mkdir -p "$E2E_TMP/L/mapper"
ln -s "$LOCKDEV" "$E2E_TMP/L/mapper/vgl-lvmlock"
on L mount --bind "$E2E_TMP/L/mapper" /dev/mapper
on L sh -c 'echo $$ > "$0/L/lvmlockd.pid"; exec lvmlockd -f -g sanlock -o 2' "$E2E_TMP" >"$E2E_TMP/L/lvmlockd.log" 2>&1 &
cleanup_fn 'kill -9 $(cat "$E2E_TMP/L/lvmlockd.pid")'
for ((i=0; i<100; i++)); do on L test -S /run/lvm/lvmlockd.socket && break; sleep 0.1; done
CFG="devices{global_filter=[\"a|^$DEV\$|\",\"r|.*|\"] use_devicesfile=0 hints=\"none\"} global{use_lvmlockd=1 activation=0 use_lvmpolld=0} local{host_id=2} backup{backup=0 archive=0}"
L() { on L lvm "$@" --config "$CFG"; }

expect_eq "$(L lvs -a --noheadings -o lv_name,lock_args vgl 2>/dev/null | tr -s ' ' | sed 's/ $//')" " k1 1.0.0:70254592
 k2 1.0.0:71303168
 [lvmlock]" "lvm2 reads the leases ulvm gave the LVs"
L vgchange --lockstart vgl >/dev/null 2>&1 || fail "lvm2 lockstart"
for ((i=0; i<300; i++)); do on L sanlock client status | grep -q '^s lvm_vgl:2:' && break; sleep 0.1; done
on L sanlock client status | grep -q '^s lvm_vgl:2:' || fail "lvmlockd did not join lvm_vgl"
sleep 1  # lvmlockd marks the lockspace ready after sanlock joined
on A ulvm vgchange --lockstart vgl >/dev/null || fail "udm lockstart"

on A ulvm lvchange -aey vgl/k1 || fail "udm -aey k1"
rc=0; out=$(L lvchange -aey vgl/k1 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "lvm2 took k1 while udm holds it"
expect_in "$out" "LV locked by other host: vgl/k1" "lvm2's refusal"
L lvchange -aey vgl/k2 >/dev/null 2>&1 || fail "lvm2 -aey k2"
rc=0; out=$(on A ulvm lvchange -aey vgl/k2 2>&1) || rc=$?
expect_eq "$rc" 5 "udm -aey of lvm2's LV"
expect_in "$out" "host_id 2" "udm names lvm2's host"
# lvm2 takes the next free slot of the lvmlock ulvm formatted.
out=$(L lvcreate -an -L 4M -n k3 vgl 2>&1) || fail "lvm2 lvcreate: $out"
expect_eq "$(on A ulvm lvs --noheadings -o lv_name,lock_args vgl/k3 | tr -s ' ' | sed 's/ $//')" " k3 1.0.0:72351744" "lvm2's LV in ulvm's lvmlock"
L lvchange -an vgl/k2 >/dev/null 2>&1 || fail "lvm2 -an k2"
on A ulvm lvchange -an vgl/k1 || fail "udm -an k1"

# vgremove: not while lvm2 is in the lockspace, then as lvm2 would.
for ((i=0; i<50; i++)); do on A sanlock client host_status -s lvm_vgl | grep -q '^2 timestamp [1-9]' && break; sleep 0.2; done
rc=0; out=$(on A ulvm vgremove -y vgl 2>&1) || rc=$?
expect_eq "$rc:$out" '5:  Lockspace for "vgl" not stopped on other hosts' "udm vgremove while lvm2 is in"
L vgchange --lockstop vgl >/dev/null 2>&1 || fail "lvm2 lockstop"
for ((i=0; i<50; i++)); do on A sanlock client host_status -s lvm_vgl | grep -q '^2 timestamp 0' && break; sleep 0.2; done
out=$(on A ulvm vgremove -y vgl 2>&1) || fail "udm vgremove after lvm2 left: $out"
expect_in "$out" 'Volume group "vgl" successfully removed' "udm vgremove"
[ -z "$(L vgs --noheadings -o vg_name 2>/dev/null)" ] || fail "lvm2 still sees a VG"
echo PASS
