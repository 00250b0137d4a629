#!/bin/bash
# SIGTERM: stop accepting, flush and suspend devices, remove the socket and
# the pid file, exit 0. Also while a client is blocked in DEV_WAIT.
. "$UDM_E2E_LIB"
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

# A suspended device with I/O held from the FUSE export must not keep udmd
# from exiting: shutdown releases held I/O before it stops the exports.
if [ -e /dev/fuse ] && command -v udmsetup >/dev/null; then
  start_daemon --no-nbd
  if mountpoint -q "$UDM_RUNDIR/dev"; then
    udmsetup create held --table "0 2048 zero"
    udmsetup suspend held
    (timeout 30 dd if="$UDM_RUNDIR/dev/mapper/held" of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null || true) &
    reader=$!
    sleep 0.3
    term_daemon "udmd did not exit within 10 s with I/O held by a suspended device"
    expect_eq "$DAEMON_RC" 0 "udmd exit code after SIGTERM with held I/O"
    wait "$reader" || true
  else
    echo "note: FUSE export did not mount; held-I/O shutdown case skipped"
    stop_daemon
  fi
fi
