# Activation failures: lvcreate takes back an LV it could not activate (the
# VG lists the LVs it had), and vgchange -ay activates every other LV and
# exits 5 at the end. Activation is made to fail by a foreign dm device
# holding the LV's dm name.
. "$(dirname "$0")/common.sh"
requires udmd
vg0_on_file 64M
start_daemon
lvnames() { ulvm lvs --noheadings -o lv_name vg0 2>/dev/null | tr -d ' ' | tr '\n' ' '; }

ulvm lvcreate -L 4M -n a vg0 >/dev/null || fail "lvcreate a"
udmsetup create vg0-b --table '0 8 zero' || fail "udmsetup create vg0-b"
rc=0; ulvm lvcreate -L 4M -n b vg0 >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
expect_eq "$rc" 5 "lvcreate exit when activation fails"
expect_eq "$(cat "$E2E_TMP/out")" "" "lvcreate stdout (no \"created\")"
expect_eq "$(tail -1 "$E2E_TMP/err")" "  Failed to activate new LV vg0/b." "lvcreate last error"
grep -q "device-mapper: create ioctl on vg0-b .* failed: Device or resource busy" "$E2E_TMP/err" ||
  fail "no device-mapper error: $(cat "$E2E_TMP/err")"
expect_eq "$(lvnames)" "a " "LVs after the failed lvcreate"
expect_eq "$(udmsetup table vg0-b | tr -d " ")" "08zero" "the foreign device"

# vgchange -ay: b fails, a and c are activated anyway.
ulvm lvchange -an vg0/a >/dev/null || fail "lvchange -an a"
ulvm lvcreate -an -L 4M -n b vg0 >/dev/null || fail "lvcreate -an b"
ulvm lvcreate -an -L 4M -n c vg0 >/dev/null || fail "lvcreate -an c"
rc=0; ulvm vgchange -ay vg0 >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
expect_eq "$rc" 5 "vgchange -ay exit with a failing LV"
expect_eq "$(cat "$E2E_TMP/out")" '  2 logical volume(s) in volume group "vg0" now active' "vgchange stdout"
[ -e "$UDM_RUNDIR/dev/mapper/vg0-a" ] && [ -e "$UDM_RUNDIR/dev/mapper/vg0-c" ] || fail "vgchange stopped at b"
udmsetup remove vg0-b || fail "udmsetup remove"
expect_out '  3 logical volume(s) in volume group "vg0" now active' ulvm vgchange -ay vg0
echo PASS
