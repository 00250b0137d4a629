# Host A loses its path to the shared storage while an LV is active there
# exclusively. A reaches the disk through a device of its own udmd (as a
# host reaches a SAN LUN); B through the loop device. When A's path fails,
# A's sanlock cannot renew its delta lease and, before the lease expires,
# runs the kill path udm-lockd registered: udm-lockd loads an error table
# into the LV's device (nothing more reaches the disk from A), releases the
# leases and says so in its log.
. "$(dirname "$0")/hosts.sh"
IMG="$E2E_TMP/shared.img"
sparse_file "$IMG" 1G
DEV=$(attach_loop "$IMG")
host_start A; host_start B
SECTORS=$(( $(blockdev --getsize64 "$DEV") / 512 ))
on A udmsetup create lun --table "0 $SECTORS linear $DEV 0" || fail "A's path to the disk"
LUN="$E2E_TMP/A/run/dev/mapper/lun"
host_conf A 1 "$LUN"; host_conf B 2 "$DEV"
on A ulvm pvcreate "$LUN" >/dev/null || fail "pvcreate"
on A ulvm vgcreate --shared vgs "$LUN" >/dev/null || fail "vgcreate --shared"
on B ulvm vgchange --lockstart vgs >/dev/null || fail "B lockstart"
on A ulvm lvcreate -an -L 8M -n lv1 vgs >/dev/null || fail "lvcreate"
on A ulvm lvchange -aey vgs/lv1 || fail "A -aey"
on A dd if=/dev/zero of="$E2E_TMP/A/run/dev/vgs/lv1" bs=64k count=1 conv=fsync status=none || fail "A write"

# A's path fails: every I/O through it errors.
on A udmsetup suspend --noflush lun
on A udmsetup reload lun --table "0 $SECTORS error"
on A udmsetup resume lun
LOG="$E2E_TMP/A/run/udm-lockd.log"
for ((i=0; i<600; i++)); do grep -q "leases released" "$LOG" 2>/dev/null && break; sleep 0.1; done
grep -q "sanlock asked to release the leases (kill request)" "$LOG" || fail "no kill request reached udm-lockd: $(cat "$LOG")"
grep -q "lockspace lvm_vgs: stopped I/O to vgs-lv1 (error table) before its exclusive lease expires" "$LOG" \
  || fail "udm-lockd did not stop I/O: $(cat "$LOG")"
grep -q "check_our_lease failed" "$E2E_TMP/A/log/sanlock.log" || fail "sanlock did not see the lease fail"
expect_eq "$(on A udmsetup table vgs-lv1)" "0 16384 error " "A's LV table after the kill request"
# B is still refused until A's lease expires on disk (host_crash.sh's long
# form waits for that). Checked while A's path is down: once it is back, A's
# sanlock may free its host id on disk (A has stopped and released
# everything), and B may take the LV from then on.
rc=0; out=$(on B ulvm lvchange -aey vgs/lv1 2>&1) || rc=$?
expect_eq "$rc" 5 "B -aey before A's lease expired"
expect_in "$out" "host_id 1" "B's refusal names A"
# A's own path coming back does not let A write again: the LV stays on error.
on A udmsetup suspend lun; on A udmsetup reload lun --table "0 $SECTORS linear $DEV 0"; on A udmsetup resume lun
not on A dd if=/dev/zero of="$E2E_TMP/A/run/dev/vgs/lv1" bs=4k count=1 oflag=direct status=none 2>/dev/null
echo PASS
