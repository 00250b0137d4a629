#!/bin/bash
# Every error path: dmsetup's messages on stderr, byte for byte, and exit 1.
. "$(dirname "$0")/common.sh"
start_daemon --no-fuse --no-nbd

udmsetup create a --table "0 8 zero"
udmsetup create b -u UUID-b --table "0 8 zero"
udmsetup create user --table "0 8 linear 252:0 0"   # holds a open

# unknown device
expect_fail 1 "Device does not exist.
Command failed." udmsetup info nope
expect_fail 1 "Device does not exist.
Command failed." udmsetup status nope
expect_fail 1 "device-mapper: table ioctl on nope  failed: No such device or address
Command failed." udmsetup table nope
expect_fail 1 "device-mapper: remove ioctl on nope  failed: No such device or address
Command failed." udmsetup remove nope
expect_fail 1 "device-mapper: suspend ioctl on nope  failed: No such device or address
Command failed." udmsetup suspend nope
expect_fail 1 "device-mapper: resume ioctl on nope  failed: No such device or address
Command failed." udmsetup resume nope
expect_fail 1 "device-mapper: reload ioctl on nope  failed: No such device or address
Command failed." udmsetup load nope --table "0 8 zero"
expect_fail 1 "device-mapper: deps ioctl on nope  failed: No such device or address
Command failed." udmsetup deps nope
expect_fail 1 "device-mapper: rename ioctl on nope  failed: No such device or address
Command failed." udmsetup rename nope other
expect_fail 1 "device-mapper: waitevent ioctl on nope  failed: No such device or address
Command failed." udmsetup wait nope
expect_fail 1 "Device does not exist.
Command failed." udmsetup info -u NO-SUCH-UUID

# busy device
expect_fail 1 "device-mapper: remove ioctl on a  failed: Device or resource busy
Command failed." udmsetup remove a
expect_fail 0 "" udmsetup info a

# bad tables: the device is rolled back
expect_fail 1 "device-mapper: reload ioctl on bad (252:3) failed: Invalid argument
Command failed." udmsetup create bad --table "0 8 no-such-target"
expect_fail 1 "Device does not exist.
Command failed." udmsetup info bad
expect_fail 1 "Invalid format on line 1 of table .
Command failed." udmsetup create bad --table "0 8"
expect_fail 1 "Invalid format on line 2 of table on stdin.
Command failed." udmsetup create bad <<<$'0 8 zero\nnonsense'
expect_fail 1 "Couldn't open '/nonexistent/table' for reading.
Command failed." udmsetup create bad /nonexistent/table
expect_fail 1 "device-mapper: reload ioctl on a  failed: Invalid argument
Command failed." udmsetup load a --table "0 8 zero
16 8 zero"
# with -v the driver says why first
udmsetup -v load a --table "0 8 no-such-target" 2>"$E2E_TMP/v.err" && fail "load of a bad table succeeded"
[ "$(wc -l <"$E2E_TMP/v.err")" -ge 3 ] || fail "-v shows no driver message: $(cat "$E2E_TMP/v.err")"

# duplicates
expect_fail 1 "device-mapper: create ioctl on a  failed: Device or resource busy
Command failed." udmsetup create a --table "0 8 zero"
expect_fail 1 "device-mapper: create ioctl on c UUID-b failed: Device or resource busy
Command failed." udmsetup create c -u UUID-b --table "0 8 zero"
expect_fail 1 "device-mapper: rename ioctl on a  failed: Device or resource busy
Command failed." udmsetup rename a b
expect_fail 1 "device-mapper: rename ioctl on b  failed: Invalid argument
Command failed." udmsetup rename b --setuuid OTHER

# messages and targets
expect_fail 1 "device-mapper: message ioctl on a  failed: Invalid argument
Command failed." udmsetup message a 0 hello
expect_fail 1 "Invalid sector.
Command failed." udmsetup message a x hello
expect_fail 1 "device-mapper: target-version ioctl on no-such  failed: Invalid argument
Command failed." udmsetup target-version no-such

# command line
expect_fail 1 "Please provide a name for the new device.
Command failed." udmsetup create
expect_fail 1 "Please specify device.
Command failed." udmsetup load
expect_fail 1 "No device specified.
Command failed." udmsetup wait
expect_fail 1 "No device specified.
Command failed." udmsetup suspend
expect_fail 1 "--notable only available when creating new device.
Command failed." udmsetup load a --notable
expect_fail 1 "--table and --notable are incompatible.
Couldn't process command line." udmsetup create x --table "0 8 zero" --notable
expect_fail 1 "Please specify both major number and minor number.
Couldn't process command line." udmsetup info -j 252
expect_fail 1 "udmsetup: unrecognized option '--bogus'
Couldn't process command line." udmsetup --bogus info
udmsetup frobnicate 2>"$E2E_TMP/u.err" && fail "unknown command succeeded"
expect_eq "$(head -2 "$E2E_TMP/u.err")" "Unknown command.
Usage:" "unknown command"
udmsetup rename 2>"$E2E_TMP/u.err" && fail "rename without args succeeded"
expect_eq "$(head -1 "$E2E_TMP/u.err")" "Incorrect number of arguments." "arg count"
udmsetup info -c -o name,nonsense 2>"$E2E_TMP/u.err" && fail "bad field accepted"
expect_eq "$(tail -1 "$E2E_TMP/u.err")" "Unrecognised field: nonsense" "bad field"

# udmd dies while a request waits for its answer
udmsetup wait b 0 2>"$E2E_TMP/lost.err" >/dev/null &
waiter=$!
for ((i = 0; i < 200; i++)); do  # until the waiter is connected
  grep -q 'socket:' <<<"$(ls -l "/proc/$waiter/fd" 2>/dev/null)" && break
  sleep 0.05
done
sleep 0.2
kill -KILL "$UDMD_PID"
wait "$waiter" && fail "wait survived the death of udmd"
expect_eq "$(cat "$E2E_TMP/lost.err")" "lost the connection to udmd: control socket closed
Command failed." "lost connection"

# no driver at all
stop_daemon
expect_fail 1 "cannot reach udmd: $E2E_TMP/none/control: connect failed: No such file or directory
Failure to communicate with the device-mapper driver (udmd or kernel).
Command failed." env UDM_NO_AUTOSTART=1 udmsetup --rundir "$E2E_TMP/none" ls
echo "errors: ok"
