# vgremove of a shared VG as lvm2 2.03.16 with lvmlockd+sanlock answers it
# (measured there): refused while another host is in the lockspace or the
# lockspace is stopped here; the leases and lockspace retired on disk as
# lvmlockd leaves them; a removed VG's global lock stops a later removal.
. "$(dirname "$0")/hosts.sh"
sparse_file "$E2E_TMP/a.img" 1G; sparse_file "$E2E_TMP/b.img" 1G
DA=$(attach_loop "$E2E_TMP/a.img")
DB=$(attach_loop "$E2E_TMP/b.img")
host_start A; host_start B
host_conf A 1 "$DA" "$DB"; host_conf B 2 "$DA" "$DB"

on A ulvm pvcreate "$DA" "$DB" >/dev/null || fail "pvcreate"
on A ulvm vgcreate --shared vga "$DA" >/dev/null || fail "vgcreate --shared vga"
on A ulvm vgcreate --shared vgb "$DB" >/dev/null || fail "vgcreate --shared vgb"
on A ulvm lvcreate -an -L 4M -n lv1 vgb >/dev/null || fail "lvcreate vgb/lv1"

# ---- vgremove
# Another host in the lockspace: refused, nothing removed.
on B ulvm vgchange --lockstart vgb >/dev/null || fail "B lockstart vgb"
wait_host A lvm_vgb 2 live
run A ulvm vgremove -y vgb
expect_eq "$rc" 5 "vgremove while B is in the lockspace"
expect_eq "$out" '  Lockspace for "vgb" not stopped on other hosts' "vgremove refusal"
expect_eq "$(on A ulvm lvs --noheadings -o lv_name vgb | tr -d ' ')" "lv1" "nothing removed"
on B ulvm vgchange --lockstop vgb >/dev/null || fail "B lockstop"
wait_host A lvm_vgb 2 gone
# The lockspace stopped here: the VG lock cannot be had.
on A ulvm vgchange --lockstop vgb >/dev/null || fail "A lockstop vgb"
run A ulvm vgremove -y vgb
expect_eq "$rc" 5 "vgremove with the lockspace stopped"
expect_eq "$out" "  Cannot access VG vgb due to failed lock." "vgremove refusal when stopped"
on A ulvm vgchange --lockstart vgb >/dev/null || fail "A lockstart vgb"
run A ulvm vgremove -y vgb
expect_eq "$rc" 0 "vgremove: $out"
expect_eq "$out" '  Logical volume "lv1" successfully removed.
  Volume group "vgb" successfully removed' "vgremove"
# As lvmlockd leaves it: the lockspace left, the VG lock renamed, lv1's lease free again.
on A sanlock client status | grep -q '^s lvm_vgb:' && fail "A still in lvm_vgb"
d=$(dump "$DB")
grep -q '^70254592 .* invalid_removed ' <<<"$d" || fail "VGLK not renamed invalid_removed: $d"
grep -q '^69206016 .* _GLLK_disabled ' <<<"$d" || fail "vgb's disabled global lock: $d"
grep -q '^71303168 .* #unused ' <<<"$d" || fail "lv1's lease not #unused: $d"
grep -q 'lvm_vgb.*\.vm' <<<"$d" && fail "lockspace lvm_vgb still named on disk: $d"
expect_eq "$(on A ulvm pvs --noheadings -o pv_name,vg_name "$DB" | rows)" " $DB" "vgb's PV is free"

# vgremove of the VG with the global lock, then another: lvm2 stops there.
on A ulvm vgcreate --shared vgb "$DB" >/dev/null || fail "vgcreate --shared vgb again"
run A ulvm vgremove -y vga vgb
expect_eq "$rc" 5 "vgremove vga vgb"
expect_in "$out" 'Volume group "vga" successfully removed' "vga removed"
expect_in "$out" "VG vga held the sanlock global lock, enable global lock in another VG." "global lock warning"
expect_in "$out" "Global lock failed: global lock was lost by removing a previous VG." "vgb not removed"
grep -q '^69206016 .* invalid_removed ' <<<"$(dump "$DA")" || fail "vga's GLLK not renamed invalid_removed"
expect_eq "$(on A ulvm vgs --noheadings -o vg_name vgb 2>/dev/null | rows)" " vgb" "vgb still there"
# No global lock left (vgb's is disabled): what needs it is refused, in
# lvm2's words for each command.
run A ulvm pvcreate -y "$DA"
expect_eq "$rc:$out" "5:  Global lock failed: check that global lockspace is started" "pvcreate without a global lock"
run A ulvm vgcreate vgc "$DA"
expect_eq "$rc:$out" "5:  Global lock failed: check that global lockspace is started." "vgcreate without a global lock"
run A ulvm vgcreate --shared vgc "$DA"
expect_eq "$rc:$out" "5:  Global lock failed: check that VG holding global lock exists and is started." "vgcreate --shared without a global lock"
echo PASS
