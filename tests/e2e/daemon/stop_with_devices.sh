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
[ -f "$UDM_RUNDIR/devices/0.json" ] && [ -f "$UDM_RUNDIR/devices/1.json" ] || fail "--force dropped the record"

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
ls "$UDM_RUNDIR"/devices/2.json.incomplete-* >/dev/null || fail "the record of lost was not kept aside"
grep -q "lost.img" "$UDM_RUNDIR"/devices/2.json.incomplete-* || fail "the record kept aside lacks lost's table"
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

# A record that cannot be read (here: a bad checksum, and one emptied as a
# machine crash can leave it) is kept aside, never dropped; the others restore.
start_daemon --no-fuse
udmsetup create k0 --table "0 8 zero"
udmsetup create k1 --table "0 8 zero"
udmsetup create k2 --table "0 8 error"
udmsetup daemon stop --force >/dev/null
wait "$UDMD_PID" 2>/dev/null || true
UDMD_PID=
sed -i 's/"zero"/"Zero"/' "$UDM_RUNDIR/devices/0.json"
: >"$UDM_RUNDIR/devices/1.json"
start_daemon --no-fuse
expect_eq "$(udmsetup ls)" "k2	(252:2)" "the good record restores"
for m in 0 1; do
  aside=$(ls "$UDM_RUNDIR/devices" | grep "^$m.json.bad-" || true)
  [ -n "$aside" ] || fail "bad record $m not kept aside: $(ls "$UDM_RUNDIR/devices")"
done
grep -q "cannot be read: .*devices/0.json: record checksum mismatch" "$E2E_TMP/udmd.log" ||
  fail "no log line for the bad record"
grep -q "cannot be read: .*devices/1.json: record is not valid JSON" "$E2E_TMP/udmd.log" ||
  fail "no log line for the empty record"
udmsetup remove k2
[ ! -e "$UDM_RUNDIR/devices/2.json" ] || fail "remove left its record"
stop_daemon
rm -f "$UDM_RUNDIR"/devices/*.bad-*

# The previous layout's single-file record is converted once and removed.
cat >"$E2E_TMP/old.py" <<'PY'
import json, sys, zlib
dev = {"deferred_remove": False, "event_nr": 4, "inactive": None, "major": 252, "minor": 5,
       "live": {"read_only": False, "targets": [{"length": 24, "params": "", "start": 0, "type": "zero"}]},
       "name": "old", "suspended": False, "uuid": "OLD-1"}
doc = {"devices": [dev], "format": "udm-devices-state", "version": 1, "writer": "udmd"}
doc["crc32"] = zlib.crc32(json.dumps(doc, separators=(",", ":"), sort_keys=True).encode())
sys.stdout.write(json.dumps(doc, separators=(",", ":"), sort_keys=True) + "\n")
PY
python3 "$E2E_TMP/old.py" >"$UDM_RUNDIR/devices.state"
start_daemon --no-fuse
expect_eq "$(udmsetup ls)" "old	(252:5)" "device of the single-file record"
expect_eq "$(udmsetup table old)" "0 24 zero " "its table"
expect_eq "$(udmsetup info -c --noheadings -o uuid,events old | tr -d ' ')" "OLD-1:4" "its uuid and event number"
[ ! -e "$UDM_RUNDIR/devices.state" ] || fail "devices.state left after the upgrade"
[ -f "$UDM_RUNDIR/devices/5.json" ] || fail "no per-device record after the upgrade"
grep -q "converted $UDM_RUNDIR/devices.state" "$E2E_TMP/udmd.log" || fail "no log line for the upgrade"
udmsetup remove old
stop_daemon

# A FUSE export that cannot start: info says so; NBD still runs. "dev" is a
# regular file here, so the mount fails (a symlink is refused outright).
rm -rf "$UDM_RUNDIR/dev"
: >"$UDM_RUNDIR/dev"
start_daemon
udmsetup create e --table "0 8 zero"
udmsetup create n --notable
info=$(udmsetup info e)
grep -q "^File:              (unavailable: .*$UDM_RUNDIR/dev" <<<"$info" || fail "no unavailable File line: $info"
grep -q "^NBD URI:           nbd+unix:///e?socket=$UDM_RUNDIR/nbd.sock" <<<"$info" || fail "NBD URI missing: $info"
grep -q "FUSE export unavailable: .*mount point $UDM_RUNDIR/dev is not a directory" "$E2E_TMP/udmd.log" ||
  fail "udmd did not log why FUSE is unavailable: $(cat "$E2E_TMP/udmd.log")"
info=$(udmsetup info n)
not grep -q "^NBD URI" <<<"$info"
udmsetup remove e
udmsetup remove n
echo PASS
