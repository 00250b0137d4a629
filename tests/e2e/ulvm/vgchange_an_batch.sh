# vgchange -an removes the devices of every LV together (a round of infos
# and removes per level, pipelined): same messages and exit code as one LV
# after the other. An open LV is reported in use and stays active, the
# others go; an LV with sub-LVs (raid1: rimage/rmeta devices under the top
# one) loses them all; a second -an is a no-op.
. "$(dirname "$0")/common.sh"
requires udmd
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
A="$E2E_TMP/a.img"; B="$E2E_TMP/b.img"
sparse_file "$A" 128M; sparse_file "$B" 128M
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = $A,$B" > "$UDM_LVM_CONFIG"
ulvm vgcreate vg0 "$A" "$B" >/dev/null || fail "vgcreate"
for i in $(seq 1 20); do ulvm lvcreate -an -Zn -L 4M -n lv$i vg0 >/dev/null 2>&1 || fail "lvcreate lv$i"; done
ulvm lvcreate -an -Zn -L 8M -i 2 -I 64k -n str vg0 >/dev/null 2>&1 || fail "lvcreate str"
ulvm lvcreate -an -Zn --type raid1 -m 1 --nosync -L 4M -n r1 vg0 >/dev/null 2>&1 || fail "lvcreate raid1"

start_daemon
expect_out '  22 logical volume(s) in volume group "vg0" now active' ulvm vgchange -ay vg0
devices=$(udmsetup ls | grep -c '^vg0-') || true
[ "$devices" -gt 22 ] || fail "raid1 sub-LV devices missing: $(udmsetup ls)"

# One LV held open: reported, kept; every other device removed.
f="$UDM_RUNDIR/dev/vg0/lv7"
for ((i=0; i<100; i++)); do [ -e "$f" ] && break; sleep 0.05; done
exec 7<"$f"
rc=0
ulvm vgchange -an vg0 >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
exec 7<&-
expect_eq "$rc" 5 "exit code with an LV in use"
expect_eq "$(cat "$E2E_TMP/err")" "  Logical volume vg0/lv7 in use." "stderr"
expect_eq "$(cat "$E2E_TMP/out")" '  1 logical volume(s) in volume group "vg0" now active' "stdout"
expect_eq "$(udmsetup ls | awk '{print $1}' | grep '^vg0-' | tr '\n' ' ')" "vg0-lv7 " "devices left"
expect_out '  lv7  -wi-a-----' ulvm lvs --noheadings -o lv_name,lv_attr -S 'lv_active=active' vg0

# Closed: it goes too (FUSE reports the close asynchronously: retry briefly).
for ((i=0; i<50; i++)); do ulvm vgchange -an vg0 >"$E2E_TMP/out" 2>&1 && break; sleep 0.1; done
expect_eq "$(cat "$E2E_TMP/out")" '  0 logical volume(s) in volume group "vg0" now active' "second -an"
expect_eq "$(udmsetup ls)" "No devices found" "devices after -an"
expect_out '  0 logical volume(s) in volume group "vg0" now active' ulvm vgchange -an vg0

# -ay and -an again, all of them.
expect_out '  22 logical volume(s) in volume group "vg0" now active' ulvm vgchange -ay vg0
expect_out '  0 logical volume(s) in volume group "vg0" now active' ulvm vgchange -an vg0
expect_eq "$(udmsetup ls)" "No devices found" "devices after the second -an"
echo PASS
