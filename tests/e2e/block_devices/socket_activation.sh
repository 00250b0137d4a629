#!/bin/bash
# Socket activation: udmd serves a listening control socket passed as
# systemd passes it (LISTEN_FDS/LISTEN_PID, fd 3), started on the first
# connection by systemd-socket-activate; the socket file stays at stop.
# systemd/udmd.socket listens where udmd.service's udmd looks.
. "$UDM_E2E_LIB"
requires systemd-socket-activate udmd udmsetup
src=${UDM_SOURCE:-$(dirname "$0")/../../..}
grep -qx "ListenStream=/run/udm/control" "$src/systemd/udmd.socket" || fail "udmd.socket does not listen on /run/udm/control"
grep -q -- "--rundir /run/udm" "$src/systemd/udmd.service.in" || fail "udmd.service does not use /run/udm"
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify "$src/systemd/udmd.socket" 2>&1 | grep -F 'udmd.socket' | grep -v -e 'udmd.service' -e "Command 'man " || true)
  [ -z "$out" ] || fail "systemd-analyze verify udmd.socket: $out"
fi

chmod 0700 "$UDM_RUNDIR"
sock="$UDM_RUNDIR/control"
systemd-socket-activate -l "$sock" --fdname=control \
  udmd --rundir "$UDM_RUNDIR" --foreground --no-nbd --no-fuse >"$E2E_TMP/udmd.log" 2>&1 &
ACT_PID=$!
cleanup_fn "kill $ACT_PID; wait $ACT_PID"
for ((i=0; i<100; i++)); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || fail "systemd-socket-activate did not listen"
[ ! -e "$UDM_RUNDIR/udmd.pid" ] || fail "udmd started before the first connection"
# The first connection starts udmd, which answers on the passed socket.
UDM_NO_AUTOSTART=1 udmsetup create sa --table "0 8 zero" || fail "create over the passed socket: $(cat "$E2E_TMP/udmd.log")"
expect_eq "$(UDM_NO_AUTOSTART=1 udmsetup ls)" "sa	(252:0)" "ls over the passed socket"
grep -q "listening on $sock (socket passed by systemd)" "$E2E_TMP/udmd.log" || fail "log: $(cat "$E2E_TMP/udmd.log")"
# The exec'd udmd is the activator's pid.
expect_eq "$(cat "$UDM_RUNDIR/udmd.pid" 2>/dev/null | tr -d '\n ')" "$ACT_PID" "udmd pid"
UDM_NO_AUTOSTART=1 udmsetup remove sa
kill -TERM "$ACT_PID"
for ((i=0; i<100; i++)); do kill -0 "$ACT_PID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$ACT_PID" 2>/dev/null && fail "udmd did not stop"
[ -S "$sock" ] || fail "udmd removed the socket systemd owns"

# A passed fd that is not a listening socket is refused with a message.
rc=0
LISTEN_PID=$BASHPID LISTEN_FDS=1 bash -c 'exec 3</dev/null; LISTEN_PID=$$ exec udmd --rundir "$1" --foreground --no-nbd --no-fuse' _ "$E2E_TMP/run2" \
  2>"$E2E_TMP/err" || rc=$?
[ "$rc" = 1 ] || fail "udmd with a bad LISTEN_FDS: rc $rc"
grep -q "LISTEN_FDS: fd 3 is not a socket" "$E2E_TMP/err" || fail "message: $(cat "$E2E_TMP/err")"
echo PASS
