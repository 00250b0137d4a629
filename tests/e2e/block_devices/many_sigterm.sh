#!/bin/bash
# SIGTERM with many block devices: udmd detaches every loop device it
# attached (in parallel, the loop record written once) and exits; none of
# ours stays attached. UDM_E2E_MANY_LOOPS devices (default 300).
. "$(dirname "$0")/common.sh"
n=${UDM_E2E_MANY_LOOPS:-300}
devdir="$E2E_TMP/devdir"
mkdir -p "$devdir"
start_daemon --devdir "$devdir"
grep -q "block devices on" "$E2E_TMP/udmd.log" || fail "block devices not on: $(cat "$E2E_TMP/udmd.log")"
cleanup_fn _check_no_loops

# All of them in one udmsetup command (create --concise), 100 at a time.
for ((i=0; i<n; i+=100)); do
  spec=
  for ((k=i; k<i+100 && k<n; k++)); do spec+="many$k,,,,0 8 zero;"; done
  udmsetup create --concise "${spec%;}"
done
expect_eq "$(our_loops | wc -l)" "$n" "loop devices attached"
expect_eq "$(find "$devdir/mapper" -type l | wc -l)" "$n" "mapper links"

# SIGTERM: every loop detached, every link gone, udmd exits 0 (term_daemon
# allows 10 s).
t0=$(date +%s%N)
term_daemon "udmd did not stop within 10 s of SIGTERM with $n block devices"
echo "stopped in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
expect_eq "$DAEMON_RC" 0 "udmd exit code"
left=$(our_loops)
[ -z "$left" ] || fail "$(echo "$left" | wc -l) loop device(s) left attached after SIGTERM: $(echo $left | head -c 300)"
expect_eq "$(find "$devdir/mapper" -type l 2>/dev/null | wc -l)" 0 "mapper links left"
grep -E "^[0-9]" "$UDM_RUNDIR/loops" 2>/dev/null && fail "the loop record still lists loops: $(head -3 "$UDM_RUNDIR/loops")"
echo "PASS"
