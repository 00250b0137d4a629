# Bad input never loses data: every refused command exits as lvm does (3 for
# a bad command line, 5 for a failed command), prints lvm's message, and
# leaves the metadata areas byte for byte as they were.
. "$(dirname "$0")/common.sh"
A="$E2E_TMP/a.img"; B="$E2E_TMP/b.img"; C="$E2E_TMP/c.img"
sparse_file "$A" 64M; sparse_file "$B" 64M; sparse_file "$C" 64M
export UDM_LVM_CONFIG="$E2E_TMP/simple.conf"
echo "devices = $A,$B,$C   # simple key = value form" > "$UDM_LVM_CONFIG"
ulvm vgcreate vg0 "$A" "$B" >/dev/null || fail "vgcreate"
ulvm vgcreate vg1 "$C" >/dev/null || fail "vgcreate vg1"
ulvm lvcreate -an -L 20M -n lv0 vg0 >/dev/null || fail "lvcreate"

meta() { head -c 1048576 "$A" | md5sum; head -c 1048576 "$B" | md5sum; head -c 1048576 "$C" | md5sum; }
before=$(meta)
expect_fail 5 '  Volume group "vg0" has insufficient free space (25 extents): 100 required.' \
  ulvm lvcreate -an -l 100 -n big vg0
expect_fail 5 '  Insufficient free space: 101 extents needed, but only 25 available' ulvm lvextend -l +101 vg0/lv0
expect_fail 3 '  Logical volume name "bad name" is invalid.
  Run `lvcreate --help'"'"' for more information.' ulvm lvcreate -an -L 4M -n "bad name" vg0
expect_fail 3 '  Logical volume name "x_rimage_0" is invalid.
  Run `lvcreate --help'"'"' for more information.' ulvm lvcreate -an -L 4M -n x_rimage_0 vg0
expect_fail 5 '  Logical Volume "lv0" already exists in volume group "vg0"' ulvm lvcreate -an -L 4M -n lv0 vg0
expect_fail 3 "  lvcreate: unrecognized option '--bogus'
  Run \`lvcreate --help' for more information." ulvm lvcreate --bogus -L 4M vg0
expect_fail 3 '  --size may not be zero.
  Run `lvcreate --help'"'"' for more information.' ulvm lvcreate -an -L 0 -n zero vg0
expect_fail 5 '  New size given (5 extents) not larger than existing size (5 extents)' ulvm lvextend -l 5 vg0/lv0
# Numbers too long for any integer or double: a refusal, not a crash.
huge=$(printf '9%.0s' {1..400})
expect_fail 3 "  Invalid argument for --size: ${huge}m
  Run \`lvcreate --help' for more information." ulvm lvcreate -an -L "${huge}m" -n huge vg0
expect_fail 3 '  Invalid argument for --stripes: 99999999999999999999
  Run `lvcreate --help'"'"' for more information.' ulvm lvcreate -an -L 4M -i 99999999999999999999 -n st vg0
expect_fail 3 '  Invalid argument for --stripes: 2x
  Run `lvextend --help'"'"' for more information.' ulvm lvextend -L +4M -i 2x vg0/lv0
expect_fail 5 '  New size given (6 extents) not less than existing size (5 extents)' ulvm lvreduce -l 6 vg0/lv0
expect_fail 5 '  Volume group "nosuch" not found' ulvm lvcreate -an -L 4M -n x nosuch
expect_fail 5 '  A volume group called vg0 already exists.' ulvm vgcreate vg0 "$C"
expect_fail 5 "  Physical volume '$C' is already in volume group 'vg1'" ulvm vgextend vg0 "$C"
expect_fail 5 "  PV $A is used by VG vg0 so please use vgreduce first.
  (If you are certain you need pvremove, then confirm by using --force twice.)
  $A: physical volume label not removed." ulvm pvremove "$A"
expect_fail 5 "  Can't initialize physical volume \"$A\" of volume group \"vg0\" without -ff
  $A: physical volume not initialized." ulvm pvcreate "$A"
expect_fail 5 "  Physical volume \"$A\" still in use" ulvm vgreduce vg0 "$A"
expect_fail 5 '  New volume group "vg1" already exists' ulvm vgrename vg0 vg1
expect_fail 3 '  Invalid units specification
  Run `lvs --help'"'"' for more information.' ulvm lvs --units 512
expect_fail 5 "$(ulvm lvs -o help 2>&1)
  Unrecognised field: nosuch" ulvm lvs -o nosuch
expect_fail 3 '  Physical extent size must be a power of 2 or a multiple of 128 KiB.
  Run `vgcreate --help'"'"' for more information.' ulvm vgcreate -s 3k vg9 "$C"
[ "$(meta)" == "$before" ] || fail "a refused command changed the metadata"
[ "$(ulvm vgs --noheadings -o vg_seqno vg0 | tr -d ' ')" == 2 ] || fail "vg0 seqno changed"

# vgreduce of an unused PV makes it an orphan.
ulvm vgreduce vg0 "$B" >/dev/null || fail "vgreduce of an unused PV"
expect_out "  $A vg0 lvm2 a--  60.00m 40.00m
  $B     lvm2 ---  64.00m 64.00m
  $C vg1 lvm2 a--  60.00m 60.00m" ulvm pvs --noheadings
echo PASS
