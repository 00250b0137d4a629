# Issue 20's two hosts over the network: hosts A and B, each in its own
# network and mount namespace with its own udmd, udm-lockd and sanlock
# daemon (no watchdog), share one VG whose only PV is an NBD export of a
# third udmd in a "storage" namespace, reached over veth pairs on a bridge.
# The export is served over TLS (--tls-psk; the hosts' URI is nbds:// with
# tls-psk-file=), so the PV is remote for both hosts and sanlock reaches the
# leases through each host's active lvmlock LV.
#   A activates an LV exclusively and writes (ext4 made on A); B's -aey is
#   refused naming host_id 1; A's lvcreate and lvextend are seen by B; A
#   deactivates, B activates and reads A's data (fsck clean on B); A takes
#   the LV again, writes, and is killed (udmd, udm-lockd, sanlock: kill -9);
#   B is refused until A's lease expires (~70 s with io_timeout 1: sanlock's
#   fixed 60 s watchdog allowance), then takes it and reads A's last data.
. "$(dirname "$0")/hosts.sh"
requires udmd udmsetup mkfs.ext4 e2fsck debugfs ip
[ -w /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }

# ---- the storage server: a linear device over the image, on NBD over TLS.
storage_start
storage_export shared 1G
URI=$EXPORT_URI

host_start A net 10.77.0.2; host_start B net 10.77.0.3
host_conf A 1 "$URI"; host_conf B 2 "$URI"
# The hosts reach the export only through their own network namespace.
on A sh -c "ip -o addr show eth0 | grep -q 10.77.0.2/24" || fail "A has no address on the storage network"

out=$(on A ulvm pvcreate "$URI" 2>&1) || fail "pvcreate of the export: $out"
out=$(on A ulvm vgcreate --shared vgs "$URI" 2>&1) || fail "vgcreate --shared on the export: $out"
expect_in "$out" 'Volume group "vgs" successfully created' "vgcreate --shared"
# sanlock reaches the leases through A's lvmlock LV (its udm device file).
on A sanlock client status | grep -q "^s lvm_vgs:1:$E2E_TMP/A/run/dev/mapper/vgs-lvmlock:0" \
  || fail "A's lockspace is not on its lvmlock device: $(on A sanlock client status)"
out=$(on B ulvm vgchange --lockstart vgs 2>&1) || fail "B lockstart: $out"
on B sanlock client status | grep -q "^s lvm_vgs:2:$E2E_TMP/B/run/dev/mapper/vgs-lvmlock:0" \
  || fail "B did not join lvm_vgs on its lvmlock device: $(on B sanlock client status)"
expect_eq "$(on B ulvm pvs --noheadings -o pv_name,vg_name | tr -s ' ')" " $URI vgs" "B's PV is the export"

# ---- A activates lv1 exclusively and writes: ext4 and a file in it.
on A ulvm lvcreate -an -L 64M -n lv1 vgs >/dev/null || fail "A lvcreate lv1"
on A ulvm lvchange -aey vgs/lv1 || fail "A lvchange -aey"
A_LV="$E2E_TMP/A/run/dev/vgs/lv1"; B_LV="$E2E_TMP/B/run/dev/vgs/lv1"
on A mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$A_LV" || fail "mkfs.ext4 on A"
head -c 1M /dev/urandom > "$E2E_TMP/data1"
on A debugfs -w -R "write $E2E_TMP/data1 data1" "$A_LV" >/dev/null 2>&1 || fail "A writes data1"

# B is refused, naming host A's id.
rc=0; out=$(on B ulvm lvchange -aey vgs/lv1 2>&1) || rc=$?
expect_eq "$rc" 5 "B lvchange -aey while A holds lv1"
expect_in "$out" "LV locked by other host: vgs/lv1" "B's refusal"
expect_in "$out" "host_id 1" "B's refusal names host A"

# Metadata changes on A are seen by B.
on A ulvm lvcreate -an -L 8M -n lv2 vgs >/dev/null || fail "A lvcreate lv2"
on A ulvm lvextend -L 72M vgs/lv1 >/dev/null || fail "A lvextend lv1"
expect_eq "$(on B ulvm lvs --noheadings -o lv_name,lv_size vgs | tr -s ' ')" " lv1 72.00m
 lv2 8.00m" "B sees A's lvcreate and lvextend"

# A deactivates; B activates, reads A's data, and the ext4 is clean.
on A ulvm lvchange -an vgs/lv1 || fail "A lvchange -an"
on B ulvm lvchange -aey vgs/lv1 || fail "B lvchange -aey after A released lv1"
on B debugfs -R "dump data1 $E2E_TMP/B/data1" "$B_LV" >/dev/null 2>&1 || fail "B reads data1"
cmp "$E2E_TMP/data1" "$E2E_TMP/B/data1" || fail "B does not read A's data"
on B e2fsck -fn "$B_LV" >"$E2E_TMP/fsck" 2>&1 || { cat "$E2E_TMP/fsck"; fail "fsck on B of A's ext4"; }
on B ulvm lvchange -an vgs/lv1 || fail "B lvchange -an"

# ---- A takes lv1 again, writes, and crashes.
on A ulvm lvchange -aey vgs/lv1 || fail "A lvchange -aey again"
head -c 1M /dev/urandom > "$E2E_TMP/data2"
on A debugfs -w -R "write $E2E_TMP/data2 data2" "$A_LV" >/dev/null 2>&1 || fail "A writes data2"
host_kill9 A
rc=0; out=$(on B ulvm lvchange -aey vgs/lv1 2>&1) || rc=$?
expect_eq "$rc" 5 "B -aey right after A crashed"
expect_in "$out" "host_id 1" "B's refusal names the crashed host"
start=$SECONDS
until out=$(on B ulvm lvchange -aey vgs/lv1 2>&1); do
  expect_in "$out" "host_id 1" "B's refusal while A's lease runs"
  (( SECONDS - start < 150 )) || fail "B never took lv1 after A crashed: $out"
  sleep 3
done
echo "B took lv1 $((SECONDS - start)) s after A was killed"
on B debugfs -R "dump data2 $E2E_TMP/B/data2" "$B_LV" >/dev/null 2>&1 || fail "B reads data2"
cmp "$E2E_TMP/data2" "$E2E_TMP/B/data2" || fail "B does not read A's last data"
on B e2fsck -fn "$B_LV" >"$E2E_TMP/fsck" 2>&1 || { cat "$E2E_TMP/fsck"; fail "fsck on B after A crashed"; }
on B ulvm lvchange -an vgs/lv1 || fail "B lvchange -an at the end"
on B ulvm vgchange --lockstop vgs || fail "B lockstop"
echo PASS
