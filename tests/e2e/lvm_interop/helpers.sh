# Minimal helpers for the lvm_interop tests (the subset of tests/e2e/lib.sh
# these tests need, self-contained). Loop devices are detached and the temp
# dir removed on exit, even on failure.
set -euo pipefail
[ -n "${UDM_BIN:-}" ] || { echo "UDM_BIN must point at the bin directory of the build" >&2; exit 1; }
export PATH="$UDM_BIN:$PATH"
E2E_TMP=$(mktemp -d /tmp/udm-lvm-interop.XXXXXX)
_cleanups=()
cleanup_fn() { _cleanups+=("$*"); }
_run_cleanups() {
  local rc=$? i
  set +e
  for ((i=${#_cleanups[@]}-1; i>=0; i--)); do eval "${_cleanups[$i]}" >/dev/null 2>&1; done
  rm -rf "$E2E_TMP"
  exit $rc
}
trap _run_cleanups EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
requires() { local t; for t in "$@"; do command -v "$t" >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done; }
sparse_file() { truncate -s "$2" "$1"; }
# attach_loop VAR FILE: attaches FILE, stores the device in VAR (not in a
# subshell, so the detach is registered in this shell).
attach_loop() {
  local _loopdev
  _loopdev=$(losetup -f --show "$2")
  cleanup_fn "losetup -d $_loopdev"
  printf -v "$1" '%s' "$_loopdev"
}
expect_eq() { [ "$1" == "$2" ] || fail "${3:-value}: expected [$2], got [$1]"; }
