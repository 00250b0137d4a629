# Shared by the shim e2e tests: source after lib.sh.
requires dmsetup udmd udmsetup udm-run
export LC_ALL=C  # ASCII tree drawing in ls --tree, C messages

# D ARGS...: the real dmsetup through the shim. U ARGS...: our udmsetup.
D() { udm-run dmsetup "$@"; }
U() { udmsetup "$@"; }

# same ARGS...: dmsetup and udmsetup print the same stdout and exit alike.
# udmsetup's info adds udm's own "File:" and "NBD URI:" lines; they are
# left out of the comparison.
same() {
  local a b ra=0 rb=0
  a=$(D "$@" 2>"$E2E_TMP/d.err") || ra=$?
  b=$(U "$@" 2>"$E2E_TMP/u.err") || rb=$?
  b=$(printf '%s\n' "$b" | grep -Ev '^(File|NBD URI): ' || true)
  if [ "$a" != "$b" ]; then
    diff <(echo "$a") <(echo "$b") >&2 || true
    fail "stdout of 'dmsetup $*' (<) and 'udmsetup $*' (>) differ"
  fi
  [ "$ra" == "$rb" ] || fail "'$*': dmsetup exit $ra, udmsetup exit $rb ($(cat "$E2E_TMP/d.err" "$E2E_TMP/u.err"))"
  printf '%s\n' "$a"
}

# expect_fail RC STDERR_PATTERN CMD...: CMD exits RC with STDERR_PATTERN (grep -E) on stderr.
expect_fail() {
  local want=$1 pattern=$2 rc=0
  shift 2
  "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
  [ "$rc" == "$want" ] || fail "'$*': exit $rc, expected $want; stderr: $(cat "$E2E_TMP/err")"
  grep -Eq -- "$pattern" "$E2E_TMP/err" || fail "'$*': stderr lacks /$pattern/: $(cat "$E2E_TMP/err")"
}

start_daemon
