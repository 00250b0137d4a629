# -t/--test: every command that changes metadata or activation reads and
# validates, says what it would do after lvm's TEST MODE line, and writes
# nothing: the PV files keep every byte, no device appears.
. "$(dirname "$0")/common.sh"
requires sha256sum
A="$E2E_TMP/a.img"; B="$E2E_TMP/b.img"; C="$E2E_TMP/c.img"
sparse_file "$A" 24M; sparse_file "$B" 24M; sparse_file "$C" 24M
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = $A,$B,$C" > "$UDM_LVM_CONFIG"
TEST_LINE='  TEST MODE: Metadata will NOT be updated and volumes will not be (de)activated.'
sums() { sha256sum "$A" "$B" "$C"; }

# unchanged OUT CMD...: CMD exits 0, prints OUT, says TEST MODE first on
# stderr, and leaves the PV files as they were.
unchanged() {
  local want="$1"; shift
  local before got
  before=$(sums)
  got=$("$@" 2>"$E2E_TMP/stderr" </dev/null) || fail "$* exited $?: $(cat "$E2E_TMP/stderr")"
  [ "$got" == "$want" ] || fail "$*: expected
$want
got
$got"
  [ "$(head -1 "$E2E_TMP/stderr")" == "$TEST_LINE" ] || fail "$*: no TEST MODE line: $(cat "$E2E_TMP/stderr")"
  [ "$(sums)" == "$before" ] || fail "$*: changed the PV files in test mode"
}

unchanged "  Physical volume \"$C\" successfully created." ulvm pvcreate -t "$C"
[ "$(ulvm pvs --noheadings -o pv_name 2>/dev/null | tr -d ' ')" == "" ] || fail "pvcreate -t made a PV"
unchanged "  Physical volume \"$A\" successfully created.
  Physical volume \"$B\" successfully created.
  Volume group \"vg0\" successfully created" ulvm vgcreate --test vg0 "$A" "$B"
ulvm vgs vg0 >/dev/null 2>&1 && fail "vgcreate -t made a VG"

ulvm vgcreate vg0 "$A" "$B" >/dev/null || fail "vgcreate"
ulvm lvcreate -an -L 8M -n lv0 vg0 >/dev/null || fail "lvcreate"
unchanged '  Logical volume "new" created.' ulvm lvcreate -t -an -L 8M -n new vg0
unchanged '  Logical volume "act" created.' ulvm lvcreate -t -L 8M -n act vg0
unchanged '  Size of logical volume vg0/lv0 changed from 8.00 MiB (2 extents) to 12.00 MiB (3 extents).
  Logical volume vg0/lv0 successfully resized.' ulvm lvextend -t -L +4M vg0/lv0
unchanged '  Size of logical volume vg0/lv0 changed from 8.00 MiB (2 extents) to 4.00 MiB (1 extents).
  Logical volume vg0/lv0 successfully resized.' ulvm lvreduce -t -f -L 4M vg0/lv0
unchanged '  Renamed "lv0" to "lv9" in volume group "vg0"' ulvm lvrename -t vg0 lv0 lv9
unchanged '  Logical volume "lv0" successfully removed.' ulvm lvremove -t vg0/lv0
unchanged '  Volume group "vg0" successfully renamed to "vg9"' ulvm vgrename -t vg0 vg9
unchanged '  Logical volume "lv0" successfully removed.
  Volume group "vg0" successfully removed' ulvm vgremove -t -f vg0

ulvm pvcreate "$C" >/dev/null || fail "pvcreate"
unchanged "  Labels on physical volume \"$C\" successfully wiped." ulvm pvremove -t "$C"
[ "$(ulvm lvs --noheadings -o lv_name vg0 | tr -d ' ')" == lv0 ] || fail "lv0 gone after test runs"
[ "$(ulvm vgs --noheadings -o vg_seqno vg0 | tr -d ' ')" == 2 ] || fail "seqno changed in test mode"

# A failing test run still fails as the real one would.
expect_fail 5 "$TEST_LINE
  Volume group \"vg0\" has insufficient free space (8 extents): 100 required." ulvm lvcreate -t -an -l 100 -n big vg0

# With udmd running, test mode does not (de)activate either.
requires udmd
start_daemon
unchanged '  1 logical volume(s) in volume group "vg0" now active' ulvm vgchange -t -ay vg0
[ -e "$UDM_RUNDIR/dev/mapper/vg0-lv0" ] && fail "vgchange -t -ay activated"
unchanged '  Logical volume "act" created.' ulvm lvcreate -t -L 8M -n act vg0
[ -e "$UDM_RUNDIR/dev/mapper/vg0-act" ] && fail "lvcreate -t activated"
echo PASS
