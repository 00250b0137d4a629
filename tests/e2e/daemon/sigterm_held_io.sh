#!/bin/bash
# SIGTERM while everything is stuck: B suspended holds a write made through
# A (stacked on B), `suspend A` waits for it, `wait A` waits for an event.
# udmd fails the held I/O with EIO, the suspend and the wait end, and it
# exits 0 within 10 s.
. "$UDM_E2E_LIB"
requires udmd udmsetup

start_fuse_daemon
stack_on_suspended
(rc=0; timeout 30 dd if=/dev/zero of="$UDM_RUNDIR/dev/mapper/A" bs=4096 count=1 oflag=direct conv=notrunc \
  2>"$E2E_TMP/dd.err" || rc=$?; echo $rc >"$E2E_TMP/dd.rc") &
wait_opened A
(rc=0; timeout 30 udmsetup suspend A >"$E2E_TMP/suspend.out" 2>&1 || rc=$?; echo $rc >"$E2E_TMP/suspend.rc") &
(rc=0; timeout 30 udmsetup wait A >"$E2E_TMP/wait.out" 2>&1 || rc=$?; echo $rc >"$E2E_TMP/wait.rc") &
sleep 0.5
[ ! -e "$E2E_TMP/suspend.rc" ] || fail "suspend A did not wait for the write held by B"

start=$(date +%s%N)
term_daemon "udmd did not exit within 10 s of SIGTERM with I/O held and a suspend waiting"
rc=$DAEMON_RC
echo "udmd exited $rc after $(( ($(date +%s%N) - start) / 1000000 )) ms"
expect_eq "$rc" 0 "udmd exit code"
[ ! -e "$UDM_RUNDIR/control" ] || fail "socket left behind"
for ((i=0; i<100; i++)); do [ -e "$E2E_TMP/dd.rc" ] && [ -e "$E2E_TMP/wait.rc" ] && break; sleep 0.1; done
[ -e "$E2E_TMP/dd.rc" ] || { ps -eo pid,stat,wchan:30,cmd | grep -E "dd if|udmsetup" >&2; cat "$E2E_TMP/udmd.log" >&2; fail "the writer is still blocked after udmd exited"; }
[ -e "$E2E_TMP/wait.rc" ] || fail "udmsetup wait is still blocked after udmd exited"
echo "dd: exit $(cat "$E2E_TMP/dd.rc") $(cat "$E2E_TMP/dd.err" | head -1)"
grep -q "SIGTERM: shutting down" "$E2E_TMP/udmd.log" || fail "no shutdown log line"
