#!/bin/bash
# The control socket stays bounded: 2,000 idle clients cost no threads and a
# normal client still gets in (the longest idle one makes room at the
# connection limit); a frame declared at 64 MiB and never sent costs no
# memory and is cut off after --frame-timeout; out of descriptors, udmd
# still lets a client in instead of spinning.
. "$UDM_E2E_LIB"
requires udmd udmsetup udm-control-load

start_daemon --no-fuse --no-nbd --frame-timeout 2
status_field() { awk -v f="$1:" '$1 == f {print $2}' "/proc/$UDMD_PID/status"; }

# hold_idle N: N idle connections held by a background client until release_idle.
hold_idle() {
  rm -f "$E2E_TMP/hold" "$E2E_TMP/load.out"
  mkfifo "$E2E_TMP/hold"
  udm-control-load "$UDM_RUNDIR/control" idle "$1" <"$E2E_TMP/hold" >"$E2E_TMP/load.out" &
  LOAD_PID=$!
  exec 7>"$E2E_TMP/hold"
  local i
  for ((i=0; i<400; i++)); do grep -q "^open" "$E2E_TMP/load.out" 2>/dev/null && return 0; sleep 0.05; done
  fail "the idle clients did not connect"
}
release_idle() { exec 7>&-; wait "$LOAD_PID"; }

# --- 2,000 idle clients -------------------------------------------------------
threads_before=$(status_field Threads)
hold_idle 2000
sleep 0.5
threads=$(status_field Threads)
echo "threads: $threads_before before, $threads with 2000 idle clients"
(( threads <= threads_before + 8 )) || fail "udmd runs $threads threads with 2000 idle clients ($threads_before before)"
timeout 10 udmsetup create normal --table "0 8 zero" || fail "a normal client was not answered"
expect_eq "$(timeout 10 udmsetup ls)" "normal	(252:0)" "udmsetup ls with 2000 idle clients"
grep -q "control connections (--max-connections) is reached: closing the longest idle" "$E2E_TMP/udmd.log" ||
  fail "no log line about shedding connections"
release_idle
grep "closed by udmd" "$E2E_TMP/load.out"

# --- a 64 MiB frame that never comes ------------------------------------------
rss_before=$(status_field VmRSS)
udm-control-load "$UDM_RUNDIR/control" stall 67108864 >"$E2E_TMP/stall.out" &
stall_pid=$!
for ((i=0; i<100; i++)); do grep -q "^sent" "$E2E_TMP/stall.out" && break; sleep 0.05; done
sleep 0.5
rss=$(status_field VmRSS)
echo "VmRSS: $rss_before kB before, $rss kB with a 64 MiB frame declared"
(( rss - rss_before < 4096 )) || fail "RSS grew by $((rss - rss_before)) kB for a declared 64 MiB frame"
timeout 10 udmsetup info normal >/dev/null || fail "udmsetup info while a frame stalls"
timeout 15 tail --pid="$stall_pid" -f /dev/null || fail "the stalled client was not disconnected"
ms=$(sed -n 's/^closed after \([0-9]*\) ms$/\1/p' "$E2E_TMP/stall.out")
echo "stalled frame closed after $ms ms (--frame-timeout 2)"
(( ms >= 1500 && ms < 5000 )) || fail "stalled frame closed after $ms ms, expected about 2000"
grep -q "a frame was not complete after 2000 ms" "$E2E_TMP/udmd.log" || fail "no log line for the stalled frame"

# --- out of descriptors -----------------------------------------------------------
prlimit --pid "$UDMD_PID" --nofile=64:64
hold_idle 100
sleep 0.3
cpu_before=$(awk '{print $14 + $15}' "/proc/$UDMD_PID/stat")
sleep 1
cpu=$(awk '{print $14 + $15}' "/proc/$UDMD_PID/stat")
(( cpu - cpu_before < 30 )) || fail "udmd spins at the descriptor limit ($((cpu - cpu_before)) ticks in 1 s)"
timeout 10 udmsetup info normal >/dev/null || fail "a normal client was not answered at the descriptor limit"
grep -q "out of file descriptors" "$E2E_TMP/udmd.log" || fail "no log line at the descriptor limit"
release_idle
udmsetup remove normal
