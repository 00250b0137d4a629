# shellcheck shell=bash
# Sourced by the dmstats e2e scripts (dmsetup_stats*.sh): udmsetup's
# common.sh, the real dmstats, and the comparison of dmstats with udmstats.
# shellcheck disable=SC1091
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
requires dmstats udm-run

# dm ARGS...: the real dmstats on the test's udmd (through udm-run's shim).
dm() { udm-run --rundir "$UDM_RUNDIR" dmstats "$@"; }

# stats_both ARGS...: `dmstats ARGS` then `udmstats ARGS`, each after its own
# set-up ($BEFORE_D, $BEFORE_U: commands, `true` for none), must print the
# same stdout (after $NORM), the same stderr, exit alike and, when $LIST_DEV
# names a device, leave the same @stats_list on it. `compared` counts them.
compared=0
NORM="cat"
BEFORE_D=true
BEFORE_U=true
LIST_DEV=
stats_both() {
  local t="$E2E_TMP"
  : >"$t/d.list"
  : >"$t/u.list"
  $BEFORE_D
  dm "$@" >"$t/d.out" 2>"$t/d.err" && drc=0 || drc=$?
  [ -z "$LIST_DEV" ] || udmsetup message "$LIST_DEV" 0 @stats_list >"$t/d.list"
  $BEFORE_U
  udmstats "$@" >"$t/u.out" 2>"$t/u.err" && urc=0 || urc=$?
  [ -z "$LIST_DEV" ] || udmsetup message "$LIST_DEV" 0 @stats_list >"$t/u.list"
  $NORM <"$t/d.out" >"$t/d.n"
  $NORM <"$t/u.out" >"$t/u.n"
  if ! cmp -s "$t/d.n" "$t/u.n" || ! cmp -s "$t/d.err" "$t/u.err" || ! cmp -s "$t/d.list" "$t/u.list" ||
     [ "$drc" != "$urc" ]; then
    diff "$t/d.n" "$t/u.n" >&2 || true
    diff "$t/d.err" "$t/u.err" >&2 || true
    diff "$t/d.list" "$t/u.list" >&2 || true
    fail "dmstats $* differs (exit $drc vs $urc)"
  fi
  compared=$((compared + 1))
}

# stats_fresh_io IO: zeroes every counter (report reads and clears them, as
# dm_stats_populate), then runs the I/O function IO: the set-up of a report
# comparison, so each tool reports the same I/O.
stats_fresh_io() {
  udmstats report --allprograms >/dev/null
  "$1"
}
