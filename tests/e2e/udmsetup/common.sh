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
