# A host crashes (kill -9 of its udmd, udm-lockd and sanlock daemon) while
# an LV is active there exclusively. Short form (CI): the other host is still
# refused, naming the dead host, since its lease has not expired. With
# UDM_SHARED_VG_LONG=1: after sanlock's host-dead time (8 io_timeouts plus
# its fixed 60 s watchdog allowance, ~70 s here), the other host takes the LV.
. "$(dirname "$0")/hosts.sh"
IMG="$E2E_TMP/shared.img"
sparse_file "$IMG" 1G
DEV=$(attach_loop "$IMG")
host_start A; host_start B
host_conf A 1 "$DEV"; host_conf B 2 "$DEV"
on A ulvm pvcreate "$DEV" >/dev/null || fail "pvcreate"
on A ulvm vgcreate --shared vgs "$DEV" >/dev/null || fail "vgcreate --shared"
on B ulvm vgchange --lockstart vgs >/dev/null || fail "B lockstart"
on A ulvm lvcreate -an -L 8M -n lv1 vgs >/dev/null || fail "lvcreate"
on A ulvm lvchange -aey vgs/lv1 || fail "A -aey"
echo hello-from-A | on A dd of="$E2E_TMP/A/run/dev/vgs/lv1" conv=fsync status=none || fail "A write"

host_kill9 A
rc=0; out=$(on B ulvm lvchange -aey vgs/lv1 2>&1) || rc=$?
expect_eq "$rc" 5 "B -aey right after A crashed"
expect_in "$out" "host_id 1" "B's refusal names the crashed host"
if [ "${UDM_SHARED_VG_LONG:-0}" != 1 ]; then echo "PASS (short form; UDM_SHARED_VG_LONG=1 waits for the lease to expire)"; exit 0; fi

start=$SECONDS
until on B ulvm lvchange -aey vgs/lv1 >/dev/null 2>&1; do
  (( SECONDS - start < 180 )) || fail "B never took lv1 after A crashed"
  sleep 5
done
echo "B took lv1 $((SECONDS - start)) s after A crashed"
[ "$(on B head -c 12 "$E2E_TMP/B/run/dev/vgs/lv1")" == "hello-from-A" ] || fail "B does not read A's data"
on B ulvm lvchange -an vgs/lv1
echo PASS
