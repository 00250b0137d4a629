# A host loses its network path to the shared VG's only PV (an NBD export
# of a third udmd; hosts in network namespaces, as nbd_hosts.sh) while it
# holds an LV exclusively: sanlock cannot renew its lease through the
# host's lvmlock device and runs udm-lockd's kill path, which stops I/O to
# the LV (error table) and says so, well before the lease expires; the
# other host is still refused meanwhile. With UDM_SHARED_VG_LONG=1 the
# other host then takes the LV once the lease expired (~70 s).
. "$(dirname "$0")/hosts.sh"
requires udmd udmsetup ip
[ -w /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }
storage_start
storage_export shared 512M
host_start A net 10.77.0.2; host_start B net 10.77.0.3
host_conf A 1 "$EXPORT_URI"; host_conf B 2 "$EXPORT_URI"
on A ulvm pvcreate "$EXPORT_URI" >/dev/null || fail "pvcreate"
on A ulvm vgcreate --shared vgs "$EXPORT_URI" >/dev/null || fail "vgcreate --shared"
on B ulvm vgchange --lockstart vgs >/dev/null || fail "B lockstart"
on A ulvm lvcreate -an -L 8M -n lv1 vgs >/dev/null || fail "lvcreate"
on A ulvm lvchange -aey vgs/lv1 || fail "A -aey"
echo hello-from-A | on A dd of="$E2E_TMP/A/run/dev/vgs/lv1" conv=fsync status=none || fail "A write"

# A's side of the storage network goes down (the export stays up for B).
storage ip link set vA down
cut=$SECONDS
until grep -q "stopped I/O to vgs-lv1" "$E2E_TMP/A/run/udm-lockd.log" 2>/dev/null; do
  (( SECONDS - cut < 60 )) || fail "A did not stop I/O to lv1: $(cat "$E2E_TMP/A/run/udm-lockd.log")"
  sleep 1
done
echo "A stopped I/O to lv1 $((SECONDS - cut)) s after losing the storage"
table=$(on A udmsetup table vgs-lv1)
expect_eq "$table" "0 16384 error " "A's lv1 table after the kill path"
not on A dd if="$E2E_TMP/A/run/dev/vgs/lv1" of=/dev/null bs=4k count=1 iflag=direct status=none 2>/dev/null
rc=0; out=$(on B ulvm lvchange -aey vgs/lv1 2>&1) || rc=$?
expect_eq "$rc" 5 "B -aey before A's lease expired"
expect_in "$out" "host_id 1" "B's refusal names host A"
if [ "${UDM_SHARED_VG_LONG:-0}" != 1 ]; then echo "PASS (short form; UDM_SHARED_VG_LONG=1 waits for the lease to expire)"; exit 0; fi

until on B ulvm lvchange -aey vgs/lv1 >/dev/null 2>&1; do
  (( SECONDS - cut < 180 )) || fail "B never took lv1"
  sleep 3
done
echo "B took lv1 $((SECONDS - cut)) s after A lost the storage"
[ "$(on B head -c 12 "$E2E_TMP/B/run/dev/vgs/lv1")" == "hello-from-A" ] || fail "B does not read A's data"
on B ulvm lvchange -an vgs/lv1
echo PASS
