# udm-run starts udmd on a run directory where none answers, and reuses it after.
. "$UDM_E2E_LIB"
requires dmsetup udmd udm-run
export LC_ALL=C

run2="$E2E_TMP/auto"
stop_auto() {
  local pid
  pid=$(cat "$run2/udmd.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
  mountpoint -q "$run2/dev" 2>/dev/null && { fusermount3 -u -z "$run2/dev" || umount -l "$run2/dev"; }
  return 0
}
cleanup_fn stop_auto

[ ! -e "$run2/control" ] || fail "run dir not fresh"
out=$(udm-run --rundir "$run2" dmsetup version)
grep -Eqx 'Driver version:    4\.[0-9]+\.[0-9]+' <<<"$out" || fail "version through an autostarted udmd: $out"
[ -S "$run2/control" ] || fail "no control socket in $run2"
pid=$(cat "$run2/udmd.pid")
kill -0 "$pid" || fail "udmd not running"
UDM_RUNDIR="$run2" udm-run dmsetup create z --table "0 8 zero"
expect_eq "$(UDM_RUNDIR="$run2" udm-run dmsetup table z)" "0 8 zero " "table via the same daemon"
expect_eq "$(cat "$run2/udmd.pid")" "$pid" "the daemon was reused"
# The environment udm-run gives the command.
env_out=$(udm-run --rundir "$run2" env)
grep -qx "UDM_RUNDIR=$(realpath "$run2")" <<<"$env_out" || fail "UDM_RUNDIR: $env_out"
grep -qx "DM_DEV_DIR=$(realpath "$run2")/devdir" <<<"$env_out" || fail "DM_DEV_DIR: $env_out"
grep -qx "DM_DISABLE_UDEV=1" <<<"$env_out" || fail "DM_DISABLE_UDEV: $env_out"
grep -q "^LD_PRELOAD=.*libudm-preload.so" <<<"$env_out" || fail "LD_PRELOAD: $env_out"
# Usage errors.
rc=0; udm-run >/dev/null 2>&1 || rc=$?
expect_eq "$rc" "2" "udm-run without a command"
rc=0; udm-run --rundir "$run2" /nonexistent/cmd 2>/dev/null || rc=$?
expect_eq "$rc" "127" "udm-run of a missing command"
UDM_RUNDIR="$run2" udm-run dmsetup remove z
echo PASS
