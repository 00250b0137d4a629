#!/bin/bash
# `udmsetup daemon stop` refuses while devices exist; --force stops udmd and
# the next udmd restores them. Also: info says when an export is unavailable
# and shows no NBD URI for a device without a table.
. "$UDM_E2E_LIB"
requires udmd udmsetup
export UDM_NO_AUTOSTART=1

start_daemon --no-fuse
udmsetup create x --table "0 8 zero"
udmsetup create y --table "0 16 zero"
set +e
msg=$(udmsetup daemon stop 2>&1)
rc=$?
set -e
expect_eq "$rc" 1 "daemon stop with devices"
expect_eq "$msg" "2 devices are still active; remove them or use --force" "refusal message"
kill -0 "$UDMD_PID" || fail "udmd stopped although stop was refused"

udmsetup daemon stop --force >/dev/null
for ((i=0; i<100; i++)); do kill -0 "$UDMD_PID" 2>/dev/null || break; sleep 0.05; done
not kill -0 "$UDMD_PID" 2>/dev/null
wait "$UDMD_PID" 2>/dev/null || true
UDMD_PID=
[ -f "$UDM_RUNDIR/devices.state" ] || fail "--force dropped the record"

start_daemon --no-fuse
expect_eq "$(udmsetup ls)" "x	(252:0)
y	(252:1)" "devices after stop --force and a new udmd"
expect_eq "$(udmsetup table y)" "0 16 zero " "table after restart"

# A device whose backing file is gone comes back without its table (logged,
# the record kept whole aside); the others come back as they were.
sparse_file "$E2E_TMP/lost.img" 1M
udmsetup create lost --table "0 64 linear $E2E_TMP/lost.img 0"
udmsetup daemon stop --force >/dev/null
wait "$UDMD_PID" 2>/dev/null || true
UDMD_PID=
rm "$E2E_TMP/lost.img"
start_daemon --no-fuse
expect_eq "$(udmsetup ls)" "lost	(252:2)
x	(252:0)
y	(252:1)" "devices after a backing file went away"
expect_eq "$(udmsetup info -c --noheadings -o tables_loaded lost | tr -d ' ')" "None" "lost has no table"
expect_eq "$(udmsetup table y)" "0 16 zero " "y still has its table"
grep -q "restore: lost: live table not restored: .*lost.img" "$E2E_TMP/udmd.log" || fail "no log line for lost"
ls "$UDM_RUNDIR"/devices.state.incomplete-* >/dev/null || fail "the record was not kept aside"
udmsetup remove lost

# Without devices, stop just stops (and the empty record restores nothing).
udmsetup remove x
udmsetup remove y
udmsetup daemon stop >/dev/null || fail "daemon stop without devices failed"
for ((i=0; i<100; i++)); do kill -0 "$UDMD_PID" 2>/dev/null || break; sleep 0.05; done
wait "$UDMD_PID" 2>/dev/null || true
UDMD_PID=
start_daemon --no-fuse
expect_eq "$(udmsetup ls)" "No devices found" "nothing restored after a plain stop"
stop_daemon

# A record that cannot be read is kept aside, never dropped.
echo '{"format":"udm-devices-state","version":1,"devices":[],"crc32":1}' >"$UDM_RUNDIR/devices.state"
start_daemon --no-fuse
aside=$(ls "$UDM_RUNDIR" | grep '^devices.state.bad-' || true)
[ -n "$aside" ] || fail "bad record not kept aside: $(ls "$UDM_RUNDIR")"
grep -q "cannot be read: record checksum mismatch" "$E2E_TMP/udmd.log" || fail "no log line for the bad record"
stop_daemon

# A FUSE export that cannot start: info says so; NBD still runs. "dev" is a
# dangling symlink here, so the mount fails.
rm -f "$UDM_RUNDIR/devices.state"
ln -s "$E2E_TMP/nowhere/dev" "$UDM_RUNDIR/dev"
start_daemon
udmsetup create e --table "0 8 zero"
udmsetup create n --notable
info=$(udmsetup info e)
grep -q "^File:              (unavailable: .*$UDM_RUNDIR/dev" <<<"$info" || fail "no unavailable File line: $info"
grep -q "^NBD URI:           nbd+unix:///e?socket=$UDM_RUNDIR/nbd.sock" <<<"$info" || fail "NBD URI missing: $info"
grep -q "FUSE export unavailable: .*mount point $UDM_RUNDIR/dev: No such file or directory (errno 2)" "$E2E_TMP/udmd.log" ||
  fail "udmd did not log why FUSE is unavailable: $(cat "$E2E_TMP/udmd.log")"
info=$(udmsetup info n)
not grep -q "^NBD URI" <<<"$info"
udmsetup remove e
udmsetup remove n
echo PASS
