# lvmlock full: lvm2's lvcreate extends it by global/sanlock_lv_extend MiB
# (256) and the new LV's lease goes into the new space. 256 MiB of lvmlock
# hold 189 LV leases (slots 67..255), so the 190th LV needs the extension,
# which lands after the LVs: the lease is reached through lvmlock's second
# segment, from both hosts.
. "$(dirname "$0")/hosts.sh"
IMG="$E2E_TMP/shared.img"
sparse_file "$IMG" 2G
DEV=$(attach_loop "$IMG")
host_start A; host_start B
host_conf A 1 "$DEV"; host_conf B 2 "$DEV"
on A ulvm pvcreate "$DEV" >/dev/null || fail "pvcreate"
on A ulvm vgcreate --shared vgs "$DEV" >/dev/null || fail "vgcreate --shared"
# 189 lvcreates in one ulvm shell (one process: fast under ASan too), each
# under the VG lease as a command of its own.
for ((i=1; i<=189; i++)); do echo "lvcreate -an -L 4M -n l$i vgs"; done | on A ulvm >"$E2E_TMP/shell.out" 2>&1
expect_eq "$(on A ulvm lvs --noheadings -o lv_name vgs | wc -l)" 189 "LVs made by the shell: $(tail -3 "$E2E_TMP/shell.out")"
expect_eq "$(on A ulvm lvs --noheadings -o lock_args vgs/l189 | rows)" " 1.0.0:267386880" "the last slot of 256 MiB"
expect_eq "$(on A ulvm lvs -a --noheadings -o lv_size vgs/lvmlock | rows)" " 256.00m" "lvmlock before"

out=$(on A ulvm lvcreate -an -L 4M -n l190 vgs 2>&1) || fail "lvcreate l190: $out"
expect_eq "$out" '  Zeroing 256 MiB on extended internal lvmlock LV...
  Logical volume "l190" created.' "lvcreate with lvmlock full"
# lvmlock: its first 64 extents, then 64 more after the 189 LVs.
expect_eq "$(on A ulvm lvs -a --noheadings -o seg_size,seg_pe_ranges --segments vgs/lvmlock | rows)" " 256.00m $DEV:0-63
 256.00m $DEV:253-316" "lvmlock's two segments"
expect_eq "$(on A ulvm lvs --noheadings -o lock_args vgs/l190 | rows)" " 1.0.0:268435456" "l190's lease: the first new slot"
uuid=$(on A ulvm lvs --noheadings -o lv_uuid vgs/l190 | tr -d ' ')
# The lease on disk: 1 MiB + 253 extents of 4 MiB into the device (the extension's start).
dump=$(on A sanlock direct dump "$DEV:1062207488:2M")
grep -q "^1062207488 .* lvm_vgs .* $uuid " <<<"$dump" || fail "l190's lease not at the extension's start: $dump"

# Both hosts use it: A holds it, B is refused naming A, then takes it.
on B ulvm vgchange --lockstart vgs >/dev/null || fail "B lockstart"
on A ulvm lvchange -aey vgs/l190 || fail "A -aey l190"
rc=0; out=$(on B ulvm lvchange -aey vgs/l190 2>&1) || rc=$?
expect_eq "$rc" 5 "B -aey l190 while A holds it"
expect_in "$out" "LV locked by other host: vgs/l190" "B refused"
expect_in "$out" "host_id 1" "B's refusal names A"
on A ulvm lvchange -an vgs/l190 || fail "A -an"
on B ulvm lvchange -aey vgs/l190 || fail "B -aey after A"
on B ulvm lvchange -an vgs/l190 || fail "B -an"
# The next LV takes the next new slot; a removed LV's slot is free again.
on B ulvm lvcreate -an -L 4M -n l191 vgs >/dev/null || fail "B lvcreate l191"
expect_eq "$(on A ulvm lvs --noheadings -o lock_args vgs/l191 | rows)" " 1.0.0:269484032" "l191 in the extension"
on A ulvm lvremove -y vgs/l5 >/dev/null || fail "lvremove l5"
on A ulvm lvcreate -an -L 4M -n l192 vgs >/dev/null || fail "lvcreate l192"
expect_eq "$(on A ulvm lvs --noheadings -o lock_args vgs/l192 | rows)" " 1.0.0:74448896" "l192 reuses l5's slot"
on B ulvm vgchange --lockstop vgs >/dev/null
echo PASS
