# Two hosts share a VG made with `ulvm vgcreate --shared` on one loop device:
# lvmlockd's layout and leases (sanlock), exclusive activation refused on the
# other host naming the holder, metadata changes seen by the other host,
# lockstart/lockstop (storage_loss.sh covers the kill path).
. "$(dirname "$0")/hosts.sh"
IMG="$E2E_TMP/shared.img"
sparse_file "$IMG" 1G
DEV=$(attach_loop "$IMG")
host_start A; host_start B
sparse_file "$E2E_TMP/local.img" 64M
host_conf A 1 "$DEV" "$E2E_TMP/local.img"; host_conf B 2 "$DEV"

on A ulvm pvcreate "$DEV" >/dev/null || fail "pvcreate"
out=$(on A ulvm vgcreate --shared vgs "$DEV" 2>&1) || fail "vgcreate --shared: $out"
expect_eq "$out" '  Enabling sanlock global lock
  Logical volume "lvmlock" created.
  Volume group "vgs" successfully created
  VG vgs starting sanlock lockspace
  Starting locking.  Waiting until locks are ready...' "vgcreate --shared"
# lvm2's metadata for a shared VG.
meta=$(on A sh -c 'ulvm vgcfgbackup -f "$0/vgs.txt" vgs >/dev/null && cat "$0/vgs.txt"' "$E2E_TMP")
expect_in "$meta" 'lock_type = "sanlock"' "VG lock_type"
expect_in "$meta" 'lock_args = "1.0.0:lvmlock"' "VG lock_args"
expect_in "$meta" 'flags = ["WRITE_LOCKED"]' "WRITE_LOCKED"
# sanlock's own view of the leases ulvm formatted (lvmlockd's offsets in lvmlock at 1 MiB).
dump=$(on A sanlock direct dump "$DEV:1048576:70M")
expect_in "$dump" "lvm_vgs" "lockspace"
grep -q '^69206016 .* GLLK ' <<<"$dump" || fail "GLLK at 1 MiB + align*65: $dump"
grep -q '^70254592 .* VGLK ' <<<"$dump" || fail "VGLK at 1 MiB + align*66: $dump"
on A sanlock client status | grep -q '^s lvm_vgs:1:' || fail "host A did not join lvm_vgs"

# B starts the lockspace with host id 2.
out=$(on B ulvm vgchange --lockstart vgs 2>&1) || fail "B lockstart: $out"
on B sanlock client status | grep -q '^s lvm_vgs:2:' || fail "host B did not join lvm_vgs"

# VG names are under the global lock, which the first shared VG holds:
# a local VG made on A takes it (sanlock logs each lease it takes).
on A ulvm vgcreate vgl "$E2E_TMP/local.img" >/dev/null || fail "vgcreate of a local VG"
grep -q "resource lvm_vgs:GLLK:" "$E2E_TMP/A/log/sanlock.log" || fail "vgcreate did not take the global lock"

# A creates and activates an LV exclusively and writes to it.
on A ulvm lvcreate -an -L 8M -n lv1 vgs >/dev/null || fail "lvcreate lv1"
meta=$(on A sh -c 'ulvm vgcfgbackup -f "$0/vgs2.txt" vgs >/dev/null && cat "$0/vgs2.txt"' "$E2E_TMP")
expect_in "$meta" 'lock_args = "1.0.0:70254592"' "lv1 lock_args (align*67)"
on A ulvm lvchange -aey vgs/lv1 || fail "A lvchange -aey"
on A sanlock client status | grep -q '^r lvm_vgs:' || fail "A holds no LV lease"
head -c 1M /dev/urandom > "$E2E_TMP/data"
on A dd if="$E2E_TMP/data" of="$E2E_TMP/A/run/dev/vgs/lv1" bs=1M count=1 conv=fsync status=none || fail "A write"

# B is refused, naming host 1.
rc=0; out=$(on B ulvm lvchange -aey vgs/lv1 2>&1) || rc=$?
expect_eq "$rc" 5 "B lvchange -aey exit"
expect_in "$out" "LV locked by other host: vgs/lv1" "B refusal"
expect_in "$out" "host_id 1" "B refusal names the holder"
rc=0; out=$(on B ulvm lvchange -asy vgs/lv1 2>&1) || rc=$?
expect_eq "$rc" 5 "B lvchange -asy exit while A holds it exclusively"

# Metadata changes on A are seen by B (under the VG lease).
on A ulvm lvcreate -an -L 4M -n lv2 vgs >/dev/null || fail "A lvcreate lv2"
on A ulvm lvextend -L 12M vgs/lv1 >/dev/null || fail "A lvextend lv1"
expect_eq "$(on B ulvm lvs --noheadings -o lv_name,lv_size vgs | tr -s ' ')" " lv1 12.00m
 lv2 4.00m" "B sees A's changes"

# A deactivates; B activates and reads A's data.
on A ulvm lvchange -an vgs/lv1 || fail "A lvchange -an"
on B ulvm lvchange -aey vgs/lv1 || fail "B lvchange -aey after A released"
on B cmp -n 1048576 "$E2E_TMP/data" "$E2E_TMP/B/run/dev/vgs/lv1" || fail "B does not read A's data"
on B ulvm lvchange -an vgs/lv1 || fail "B lvchange -an"

# Shared activation on both hosts, then exclusive refused to both.
on A ulvm lvchange -asy vgs/lv2 || fail "A -asy"
on B ulvm lvchange -asy vgs/lv2 || fail "B -asy"
on A ulvm lvchange -an vgs/lv2; on B ulvm lvchange -an vgs/lv2

# lockstop is refused while an LV holds a lease, then works.
on A ulvm lvchange -aey vgs/lv1 || fail "A -aey again"
rc=0; out=$(on A ulvm vgchange --lockstop vgs 2>&1) || rc=$?
expect_eq "$rc" 5 "lockstop with an active LV"
expect_eq "$out" "  VG vgs stop failed: LVs must first be deactivated" "lockstop refusal"

on A ulvm lvchange -an vgs/lv1 || fail "A -an"
on A ulvm vgchange --lockstop vgs || fail "A lockstop"
on A sanlock client status | grep -q '^s lvm_vgs:' && fail "A still in lvm_vgs after lockstop"
echo PASS
