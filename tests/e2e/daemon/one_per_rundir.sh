#!/bin/bash
# One udmd per run directory: a second one says so and exits 1, in the
# foreground and daemonized; the daemonized parent exits 0 only once the
# socket listens.
. "$UDM_E2E_LIB"
requires udmd udm-frame-client

start_daemon --no-fuse --no-nbd
rc=0
out=$(udmd --rundir "$UDM_RUNDIR" --foreground --no-fuse --no-nbd 2>&1) || rc=$?
expect_eq "$rc" 1 "exit code of a second foreground udmd"
[[ "$out" == *"already runs"* ]] || fail "second udmd did not say why: $out"
rc=0
out=$(udmd --rundir "$UDM_RUNDIR" --no-fuse --no-nbd 2>&1) || rc=$?
expect_eq "$rc" 1 "exit code of a second daemonized udmd"
[[ "$out" == *"already runs"* ]] || fail "second daemonized udmd did not say why: $out"
udm-frame-client "$UDM_RUNDIR/control" check
stop_daemon

# Daemonized: the parent returns once the socket is there.
other="$E2E_TMP/run2"
udmd --rundir "$other" --no-fuse --no-nbd
pid=$(cat "$other/udmd.pid")
cleanup_fn "kill -TERM $pid"
[ -S "$other/control" ] || fail "daemonized udmd returned before its socket listened"
udm-frame-client "$other/control" check
[ -s "$other/udmd.log" ] || fail "daemonized udmd did not log to $other/udmd.log"
kill -TERM "$pid"
for ((i=0; i<100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null && fail "daemonized udmd did not stop on SIGTERM"
[ ! -e "$other/control" ] || fail "socket left behind"
[ ! -e "$other/udmd.pid" ] || fail "pid file left behind"
