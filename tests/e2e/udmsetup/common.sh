# Sourced by the udmsetup e2e scripts.
. "$UDM_E2E_LIB"

# A test's udmd is started by the test: a client that cannot reach it fails
# rather than starting another one behind the test's back.
export UDM_NO_AUTOSTART=1

# restart_daemon ARGS...: a fresh udmd in a new run directory.
restart_daemon() {
  stop_daemon
  UDM_RUNDIR=$(mktemp -d "$E2E_TMP/run.XXXXXX")
  export UDM_RUNDIR
  start_daemon "$@"
}

# expect_fail RC STDERR CMD...: CMD exits with RC and prints exactly STDERR.
expect_fail() {
  local rc=$1 want=$2 got status
  shift 2
  set +e
  got=$("$@" 2>&1 >/dev/null)
  status=$?
  set -e
  [ "$status" == "$rc" ] || fail "$*: exit $status, expected $rc (stderr: $got)"
  [ "$got" == "$want" ] || fail "$*: stderr
--- expected
$want
--- got
$got"
}

# same ARGS...: real dmsetup (through udm-run) and udmsetup print the same
# stdout and stderr and exit alike; `compared` counts the commands.
compared=0
same() {
  udm-run --rundir "$UDM_RUNDIR" dmsetup "$@" </dev/null >"$E2E_TMP/d.out" 2>"$E2E_TMP/d.err" && drc=0 || drc=$?
  udmsetup "$@" </dev/null >"$E2E_TMP/u.out" 2>"$E2E_TMP/u.err" && urc=0 || urc=$?
  if ! cmp -s "$E2E_TMP/d.out" "$E2E_TMP/u.out" || ! cmp -s "$E2E_TMP/d.err" "$E2E_TMP/u.err" ||
     [ "$drc" != "$urc" ]; then
    diff "$E2E_TMP/d.out" "$E2E_TMP/u.out" >&2 || true
    diff "$E2E_TMP/d.err" "$E2E_TMP/u.err" >&2 || true
    fail "dmsetup $* differs (exit $drc vs $urc)"
  fi
  compared=$((compared + 1))
}
