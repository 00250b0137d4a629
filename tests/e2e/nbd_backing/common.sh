# Shared by the nbd_backing e2e tests: ulvm's common start (lib.sh,
# expect_out, UDM_LVM_CONFDIR) and the exports tests' helpers.
# shellcheck disable=SC1090,SC1091
. "$(dirname "$0")/../ulvm/common.sh"
. "$(dirname "$0")/../exports/common.sh"

# start_nbdkit SOCKET FILE: nbdkit's file plugin serving FILE on SOCKET
# (restartable on the same socket); its pid in $NBDKIT_PID.
start_nbdkit() {
  rm -f "$1"
  nbdkit --foreground -U "$1" file file="$2" >>"$E2E_TMP/nbdkit.log" 2>&1 &
  NBDKIT_PID=$!
  local i
  for ((i=0; i<200; i++)); do [ -S "$1" ] && return 0; sleep 0.025; done
  fail "nbdkit did not create $1"
}

stop_nbdkit() {
  [ -n "${NBDKIT_PID:-}" ] || return 0
  kill -KILL "$NBDKIT_PID" 2>/dev/null || true
  wait "$NBDKIT_PID" 2>/dev/null || true
  NBDKIT_PID=
}
cleanup_fn stop_nbdkit
