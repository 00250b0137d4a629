#!/bin/bash
# Only root and the daemon's own uid may use the control socket: another uid
# that can reach the socket gets EPERM in the reply frame, and a log line.
. "$UDM_E2E_LIB"
requires setpriv udm-frame-client udmd
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }

start_daemon --no-fuse --no-nbd
# Let nobody reach the socket, so that the credential check is what refuses it.
chmod 755 "$E2E_TMP" "$UDM_RUNDIR"
chmod 666 "$UDM_RUNDIR/control"
client=$(command -v udm-frame-client)
setpriv --reuid=nobody --regid=nogroup --clear-groups test -x "$client" || {
  echo "SKIP: nobody cannot run $client"; exit 77; }

setpriv --reuid=nobody --regid=nogroup --clear-groups \
  "$client" "$UDM_RUNDIR/control" expect-errno version 1   # EPERM
setpriv --reuid=nobody --regid=nogroup --clear-groups \
  "$client" "$UDM_RUNDIR/control" expect-errno dev_create 1
grep -q "refusing pid .* uid $(id -u nobody)" "$E2E_TMP/udmd.log" || fail "no log line for the refused uid"
# Root still gets through.
udm-frame-client "$UDM_RUNDIR/control" check
