#!/bin/bash
# 10,000 random and mutated frames at a real udmd; afterwards it must still
# answer every command correctly and hold exactly the file descriptors it
# held before.
. "$UDM_E2E_LIB"
requires udm-frame-client udmd

start_daemon --no-fuse --no-nbd
sock="$UDM_RUNDIR/control"
fd_count() { ls "/proc/$UDMD_PID/fd" | wc -l; }

udm-frame-client "$sock" check
sleep 2  # finished connections are reaped within a second
before=$(fd_count)

seed=${UDM_FUZZ_SEED:-$RANDOM}
echo "seed $seed"
udm-frame-client "$sock" fuzz 10000 "$seed"
kill -0 "$UDMD_PID" || fail "udmd died during the fuzz run (seed $seed)"

udm-frame-client "$sock" check || fail "udmd answers wrongly after the fuzz run (seed $seed)"
# Several clients at once, each on its own devices.
pids=()
for i in 1 2 3 4; do udm-frame-client "$sock" check & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent check failed"; done
sleep 2
after=$(fd_count)
expect_eq "$after" "$before" "open file descriptors of udmd before/after (seed $seed)"
echo "fds: $before before, $after after"
