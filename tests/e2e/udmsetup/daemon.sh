#!/bin/bash
# udmsetup daemon start|status|stop, udmd started on demand by libudm, and
# udm's extra info lines (FUSE file, NBD URI) when the exports exist.
. "$(dirname "$0")/common.sh"
requires fusermount3
[ -e /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }

run="$E2E_TMP/bg"
# Whatever happens, stop the background udmds this test starts.
cleanup_fn "udmsetup --rundir $run daemon stop --force"
cleanup_fn "udmsetup --rundir $E2E_TMP/auto daemon stop --force"

expect_fail 1 "" udmsetup --rundir "$run" daemon status
expect_eq "$(udmsetup --rundir "$run" daemon status || true)" "udmd is not running ($run/control)" "status, none"
out=$(udmsetup --rundir "$run" daemon start)
[[ "$out" =~ ^"udmd is running (pid "[0-9]+", $run/control)"$ ]] || fail "daemon start: $out"
pid=$(sed -n 's/.*pid \([0-9]*\),.*/\1/p' <<<"$out")
expect_eq "$(udmsetup --rundir "$run" daemon status)" "$out" "status, running"
expect_eq "$(udmsetup --rundir "$run" daemon start)" "$out" "start is idempotent"

udmsetup --rundir "$run" create x --table "0 8 zero"
info=$(udmsetup --rundir "$run" info x)
expect_eq "$(sed -n '9,10p' <<<"$info")" "File:              $run/dev/mapper/x
NBD URI:           nbd+unix:///x?socket=$run/nbd.sock" "udm info lines"
expect_eq "$(udmsetup --rundir "$run" info x | tail -1 | wc -c)" "1" "block ends in a blank line"
[ "$(stat -c %s "$run/dev/mapper/x")" == 4096 ] || fail "FUSE file size"
udmsetup --rundir "$run" remove x

expect_eq "$(udmsetup --rundir "$run" daemon stop)" "udmd stopped (pid $pid)" "stop"
! kill -0 "$pid" 2>/dev/null || fail "udmd $pid still running"
expect_eq "$(udmsetup --rundir "$run" daemon stop)" "udmd is not running ($run/control)" "stop again"

# Any command starts udmd when its socket is missing.
unset UDM_NO_AUTOSTART
expect_eq "$(udmsetup --rundir "$E2E_TMP/auto" ls)" "No devices found" "autostart"
udmsetup --rundir "$E2E_TMP/auto" daemon status >/dev/null || fail "autostarted udmd not running"
udmsetup --rundir "$E2E_TMP/auto" daemon stop >/dev/null
echo "daemon: ok"
