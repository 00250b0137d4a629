# vgchange --lock-type sanlock|none, thin pools and snapshots in a shared VG,
# as lvm2 2.03.16 with lvmlockd+sanlock answers them (measured there).
. "$(dirname "$0")/hosts.sh"
sparse_file "$E2E_TMP/a.img" 1G; sparse_file "$E2E_TMP/l.img" 1G
DA=$(attach_loop "$E2E_TMP/a.img")
DL=$(attach_loop "$E2E_TMP/l.img")
host_start A; host_start B
host_conf A 1 "$DA" "$DL"; host_conf B 2 "$DA" "$DL"

on A ulvm pvcreate "$DA" "$DL" >/dev/null || fail "pvcreate"
on A ulvm vgcreate --shared vga "$DA" >/dev/null || fail "vgcreate --shared vga"

# ---- vgchange --lock-type
on A ulvm vgcreate vgl "$DL" >/dev/null || fail "vgcreate vgl"
on A ulvm lvcreate -an -L 4M -n k1 vgl >/dev/null && on A ulvm lvcreate -an -L 4M -n k2 vgl >/dev/null || fail "lvcreate k1 k2"
run A ulvm vgchange --lock-type sanlock vgl
expect_eq "$rc" 0 "lock-type sanlock: $out"
expect_eq "$out" '  Logical volume "lvmlock" created.
  Volume group "vgl" successfully changed' "lock-type sanlock"
# lvm2's result: lvmlock of 256 MiB + 1 MiB per LV lock in whole extents,
# after the LVs; the LVs' leases from the first slot; lockspace not started.
expect_eq "$(on A ulvm vgs --noheadings -o vg_lock_type,vg_lock_args vgl | rows)" " sanlock 1.0.0:lvmlock" "vgl lock fields"
expect_eq "$(on A ulvm lvs -a --noheadings -o lv_name,lv_size,lock_args,seg_pe_ranges vgl | rows)" " k1 4.00m 1.0.0:70254592 $DL:0-0
 k2 4.00m 1.0.0:71303168 $DL:1-1
 [lvmlock] 256.00m $DL:2-65" "vgl LVs after lock-type sanlock"
on A sanlock client status | grep -q '^s lvm_vgl:' && fail "lock-type sanlock started the lockspace"
# lvmlock after k1 and k2: 1 MiB + 2 extents in (sanlock prints device offsets).
d=$(on A sanlock direct dump "$DL:9437184:70M")
grep -q '^78643200 .* VGLK ' <<<"$d" || fail "vgl's VG lock: $d"
grep -q '^77594624 .* _GLLK_disabled ' <<<"$d" || fail "vgl's global lock disabled (vga has it): $d"
run A ulvm vgchange --lock-type foo vgl
expect_eq "$rc" 3 "--lock-type foo"
# Back to none: not while stopped here, another host is in, or an LV is active.
run A ulvm vgchange --lock-type none vgl
expect_eq "$rc" 5 "lock-type none with the lockspace stopped"
expect_eq "$out" "  Cannot access VG vgl due to failed lock." "lock-type none when stopped"
on A ulvm vgchange --lockstart vgl >/dev/null || fail "A lockstart vgl"
run A ulvm vgchange --lock-type sanlock vgl
expect_eq "$rc" 0 "same lock type"
expect_in "$out" '  New lock type sanlock matches the current lock type sanlock.' "same lock type warning"
expect_in "$out" '  Volume group "vgl" successfully changed' "same lock type"
run A ulvm vgchange --lock-type dlm vgl
expect_eq "$rc" 5 "sanlock to dlm"
expect_eq "$out" '  Cannot change lock type directly from "sanlock" to "dlm".
  First change lock type to "none", then to "dlm".' "sanlock to dlm"
on A ulvm lvchange -aey vgl/k1 || fail "A -aey k1"
run A ulvm vgchange --lock-type none vgl
expect_eq "$rc" 5 "lock-type none with an active LV"
expect_eq "$out" "  Changing VG vgl lock type not allowed with active LVs" "active LV refusal"
on A ulvm lvchange -an vgl/k1 || fail "A -an k1"
on B ulvm vgchange --lockstart vgl >/dev/null || fail "B lockstart vgl"
on B ulvm lvchange -aey vgl/k2 || fail "B -aey k2"
run A ulvm vgchange --lock-type none vgl
expect_eq "$rc" 5 "lock-type none while B has k2 active"
expect_eq "$out" "  LV vgl/k2 must be inactive on all hosts.
  Cannot change VG vgl with active LVs" "LV active elsewhere"
on B ulvm lvchange -an vgl/k2 || fail "B -an k2"
wait_host A lvm_vgl 2 live
run A ulvm vgchange --lock-type none vgl
expect_eq "$rc" 5 "lock-type none while B is in the lockspace"
expect_eq "$out" '  Lockspace for "vgl" not stopped on other hosts' "lock-type none refusal"
on B ulvm vgchange --lockstop vgl >/dev/null || fail "B lockstop vgl"
wait_host A lvm_vgl 2 gone
run A ulvm vgchange --lock-type none vgl
expect_eq "$rc" 0 "lock-type none: $out"
expect_eq "$out" '  Volume group "vgl" successfully changed' "lock-type none"
expect_eq "$(on A ulvm lvs -a --noheadings -o lv_name,lock_args vgl | rows)" " k1
 k2" "vgl LVs after lock-type none"
expect_eq "$(on A ulvm vgs --noheadings -o vg_attr,vg_lock_type vgl | rows)" " wz--n-" "vgl is local again"
on A sanlock client status | grep -q '^s lvm_vgl:' && fail "A still in lvm_vgl"
# --lockopt force: no locks at all; lvmlock stays (lvm2 leaves it too).
on A ulvm vgchange --lock-type sanlock vgl >/dev/null || fail "lock-type sanlock again"
run A ulvm vgchange --lock-type sanlock --lockopt force vgl
expect_eq "$rc:$out" '0:  Lock type can only be forced to "none" for recovery.' "force to sanlock"
run A ulvm vgchange --lock-type none --lockopt force vgl </dev/null
expect_eq "$rc" 0 "force prompt answered by end of input"
expect_in "$out" "VG lock type not changed." "force without -y"
run A ulvm vgchange --lock-type none --lockopt force -y vgl
expect_eq "$rc:$out" '0:  Volume group "vgl" successfully changed' "forced to none"
expect_eq "$(on A ulvm lvs -a --noheadings -o lv_name,lock_args vgl | rows)" " k1
 k2
 [lvmlock]" "forced: lock_args gone, lvmlock left"

# ---- thin pools and snapshots in a shared VG
on A ulvm lvcreate -an -L 8M -n base vga >/dev/null || fail "lvcreate base"
run A ulvm lvcreate -s -L 4M -n snap vga/base
expect_eq "$rc" 0 "snapshot in a shared VG: $out"
run A ulvm lvcreate -T -L 8M -V 16M -n thin0 vga/pool0
expect_eq "$rc" 5 "pool and thin LV in one lvcreate"
expect_in "$out" "Use lvconvert to create thin pools and cache pools in a shared VG." "pool+thin refusal"
on A ulvm lvcreate --type thin-pool -L 8M -n pool vga >/dev/null || fail "thin pool: $(on A ulvm lvcreate --type thin-pool -L 8M -n pool vga 2>&1)"
on A ulvm lvcreate -T -V 16M -n thin1 vga/pool >/dev/null || fail "thin LV"
# lvm2's lock_args: the pool has one, thin LVs and the snapshot use the pool's / origin's.
expect_eq "$(on A ulvm lvs --noheadings -o lv_name,lock_args vga | rows)" " base 1.0.0:70254592
 pool 1.0.0:71303168
 snap
 thin1" "lock_args of base, pool, snap, thin1"
run A ulvm lvchange -asy vga/thin1
expect_eq "$rc:$out" "5:  Shared activation not compatible with LV type thin-pool of vga/pool" "-asy of a thin LV"
on A ulvm lvchange -an vga/pool vga/thin1 >/dev/null 2>&1
on A ulvm lvchange -aey vga/thin1 || fail "A -aey thin1"
on B ulvm vgchange --lockstart vga >/dev/null || fail "B lockstart vga"
run B ulvm lvchange -aey vga/thin1
expect_eq "$rc" 5 "B -aey thin1 while A has the pool"
expect_in "$out" "LV locked by other host: vga/pool" "B refused naming the pool"
on A ulvm lvchange -an vga/thin1 vga/pool || fail "A -an thin1 pool"
on B ulvm lvchange -aey vga/thin1 || fail "B -aey thin1 after A released the pool"
on B ulvm lvchange -an vga/thin1 vga/pool || fail "B -an"
on B ulvm vgchange --lockstop vga >/dev/null

echo PASS
