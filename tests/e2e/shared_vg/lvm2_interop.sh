# Real lvm2 with lvmlockd and sanlock as the other host of a VG made with
# `ulvm vgcreate --shared`: lvm2 reads it, takes and releases the VG lock
# (lvcreate), is refused the LV lock udm holds, and the reverse.
. "$(dirname "$0")/hosts.sh"
requires lvm lvmlockd
IMG="$E2E_TMP/shared.img"
sparse_file "$IMG" 1G
DEV=$(attach_loop "$IMG")
host_start A; host_start L private-run
host_conf A 1 "$DEV"
on A ulvm pvcreate "$DEV" >/dev/null || fail "pvcreate"
on A ulvm vgcreate --shared vgs "$DEV" >/dev/null || fail "vgcreate --shared"
on A ulvm lvcreate -an -L 8M -n lv1 vgs >/dev/null || fail "lvcreate"
on A ulvm lvchange -aey vgs/lv1 || fail "A -aey"

# Host L: lvmlockd finds the leases at /dev/mapper/<vg>-lvmlock, which lvm2
# activates itself; with activation off, the test makes that node: a loop
# device over lvmlock's bytes (1 MiB in, 256 MiB), in L's namespace only.
LOCKDEV=$(attach_loop -o 1048576 --sizelimit 268435456 "$IMG")
mkdir -p "$E2E_TMP/L/mapper"
ln -s "$LOCKDEV" "$E2E_TMP/L/mapper/vgs-lvmlock"
on L mount --bind "$E2E_TMP/L/mapper" /dev/mapper
# Its pid from the shell it replaces (a backgrounded function is a subshell).
on L sh -c 'echo $$ > "$0/L/lvmlockd.pid"; exec lvmlockd -f -g sanlock -o 2' "$E2E_TMP" >"$E2E_TMP/L/lvmlockd.log" 2>&1 &
cleanup_fn 'kill -9 $(cat "$E2E_TMP/L/lvmlockd.pid")'
for ((i=0; i<100; i++)); do on L test -S /run/lvm/lvmlockd.socket && break; sleep 0.1; done
CFG="devices{global_filter=[\"a|^$DEV\$|\",\"r|.*|\"] use_devicesfile=0 hints=\"none\"} global{use_lvmlockd=1 activation=0 use_lvmpolld=0} local{host_id=2} backup{backup=0 archive=0}"
L() { on L lvm "$@" --config "$CFG"; }

out=$(L vgs --noheadings -o vg_name,vg_lock_type,vg_lock_args vgs 2>"$E2E_TMP/err") || fail "lvm2 vgs: $(cat "$E2E_TMP/err")"
grep -q "Reading VG vgs without a lock." "$E2E_TMP/err" || fail "lvm2 read before lockstart: $(cat "$E2E_TMP/err")"
expect_eq "$(tr -s ' ' <<<"$out")" " vgs sanlock 1.0.0:lvmlock" "lvm2 reads the shared VG"
L vgchange --lockstart vgs >/dev/null 2>&1 || fail "lvm2 lockstart"
for ((i=0; i<300; i++)); do on L sanlock client status | grep -q '^s lvm_vgs:2:' && break; sleep 0.1; done
on L sanlock client status | grep -q '^s lvm_vgs:2:' || fail "lvmlockd did not join lvm_vgs"
sleep 1  # lvmlockd marks the lockspace ready after sanlock joined

# The VG lock: lvm2 creates an LV (VGLK taken and released), udm sees it.
out=$(L lvcreate -an -L 4M -n lvl vgs 2>&1) || fail "lvm2 lvcreate: $out"
expect_eq "$(on A ulvm lvs --noheadings -o lv_name vgs | tr -d ' ')" "lv1
lvl" "udm sees lvm2's LV"
# udm then writes under the same VG lock and lvm2 sees that.
on A ulvm lvcreate -an -L 4M -n lv3 vgs >/dev/null || fail "udm lvcreate after lvm2's"
expect_eq "$(L lvs --noheadings -o lv_name,lock_args vgs 2>/dev/null | tr -s ' ')" " lv1 1.0.0:70254592
 lv3 1.0.0:72351744
 lvl 1.0.0:71303168" "lvm2 sees udm's LV and lease offsets"

# ulvm reports the shared VG as lvm2 does.
for args in "vgs -o vg_name,vg_attr,vg_lock_type,vg_lock_args,vg_shared vgs" "lvs -a -o lv_name,lv_lockargs vgs"; do
  real=$(L $args --reportformat json 2>/dev/null) || fail "lvm2 $args"
  ours=$(on A ulvm $args --reportformat json) || fail "ulvm $args"
  [ "$real" == "$ours" ] || fail "$args differs:
lvm2: $real
ulvm: $ours"
done

# lvm2 is refused the LV lock udm holds.
rc=0; out=$(L lvchange -aey vgs/lv1 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "lvm2 took lv1 while udm holds it"
expect_in "$out" "LV locked by other host: vgs/lv1" "lvm2's refusal"

# And the reverse: lvm2 holds lvl, udm is refused naming host 2.
L lvchange -aey vgs/lvl >/dev/null 2>&1 || fail "lvm2 -aey lvl"
rc=0; out=$(on A ulvm lvchange -aey vgs/lvl 2>&1) || rc=$?
expect_eq "$rc" 5 "udm -aey of lvm2's LV"
expect_in "$out" "LV locked by other host: vgs/lvl" "udm refusal"
expect_in "$out" "host_id 2" "udm names lvm2's host"
L lvchange -an vgs/lvl >/dev/null 2>&1 || fail "lvm2 -an lvl"
on A ulvm lvchange -aey vgs/lvl || fail "udm -aey lvl after lvm2 released it"
on A ulvm lvchange -an vgs/lvl vgs/lv1 || fail "udm -an"
L vgchange --lockstop vgs >/dev/null 2>&1 || fail "lvm2 lockstop"
echo PASS
