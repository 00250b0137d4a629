# udm-lockd (the holder of a host's LV leases) killed with kill -9 while an
# LV is active exclusively: as with lvmlockd, its leases are persistent, so
# sanlock keeps them for the host as orphans instead of freeing them (the
# LV is still active and writable there). The other host stays refused;
# lockstop is refused; activating again adopts the orphan; deactivating
# without a holder releases it, and then the other host takes the LV.
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

lockd_kill9() { kill -9 "$(cat "$E2E_TMP/A/run/udm-lockd.pid")"; sleep 0.5; }
lockd_kill9
for ((i=0; i<50; i++)); do on A sanlock client status | grep -q "^r lvm_vgs:.* ORPHAN" && break; sleep 0.1; done
on A sanlock client status | grep -q "^r lvm_vgs:.* ORPHAN" || fail "A's lease is not kept as an orphan: $(on A sanlock client status)"
rc=0; out=$(on B ulvm lvchange -aey vgs/lv1 2>&1) || rc=$?
expect_eq "$rc" 5 "B -aey after A's udm-lockd died"
expect_in "$out" "host_id 1" "B's refusal names host A"
echo still-A | on A dd of="$E2E_TMP/A/run/dev/vgs/lv1" conv=fsync status=none || fail "A's LV is no longer writable"
rc=0; out=$(on A ulvm vgchange --lockstop vgs 2>&1) || rc=$?
expect_eq "$rc" 5 "A lockstop with an orphaned lease"
expect_eq "$out" "  VG vgs stop failed: LVs must first be deactivated" "A lockstop refusal"

# Activating again adopts the orphan (a new holder owns it).
on A ulvm lvchange -aey vgs/lv1 || fail "A -aey again"
on A sanlock client status | grep -q "ORPHAN" && fail "the orphan was not adopted: $(on A sanlock client status)"
on A sanlock client status | grep -q "^r lvm_vgs:" || fail "A holds no lease after adopting"

# Deactivating with no holder running releases the orphan.
lockd_kill9
on A ulvm lvchange -an vgs/lv1 || fail "A -an"
# (sanlock drops the released lease from its status shortly after.)
for ((i=0; i<50; i++)); do on A sanlock client status | grep -q "^r lvm_vgs:" || break; sleep 0.1; done
on A sanlock client status | grep -q "^r lvm_vgs:" && fail "A still holds a lease: $(on A sanlock client status)"
on B ulvm lvchange -aey vgs/lv1 || fail "B -aey after A deactivated"
[ "$(on B head -c 7 "$E2E_TMP/B/run/dev/vgs/lv1")" == "still-A" ] || fail "B does not read A's data"
on B ulvm lvchange -an vgs/lv1
echo PASS
