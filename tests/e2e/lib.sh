# Helpers for shell end-to-end tests. Source it:  . "$UDM_E2E_LIB"
# Every test runs under `set -euo pipefail` with its own run directory and
# cleans up daemons, mounts and loop devices on exit, even on failure.
set -euo pipefail

# Once per test: helper files that each source it (ulvm's and the exports'
# common.sh) may be sourced together; a second run would make a second
# E2E_TMP and replace the cleanup trap.
[ -z "${_udm_e2e_lib_sourced:-}" ] || return 0
_udm_e2e_lib_sourced=1

: "${UDM_BIN:?UDM_BIN must point at the bin directory of the build}"
export PATH="$UDM_BIN:$PATH"

E2E_TMP=$(mktemp -d /tmp/udm-e2e.XXXXXX)
export UDM_RUNDIR="$E2E_TMP/run"
# udmd's kernel block devices (loop devices, /dev/mapper links) are global:
# off unless a test asks (UDM_BLOCK_DEVICES=1 before sourcing, or udmd --block-devices).
export UDM_BLOCK_DEVICES=${UDM_BLOCK_DEVICES:-0}
mkdir -p "$UDM_RUNDIR"
_cleanups=()

# cleanup_fn CMD...: run CMD at exit (last registered runs first).
cleanup_fn() { _cleanups+=("$*"); }

_run_cleanups() {
  local rc=$?
  set +e
  local i
  for ((i=${#_cleanups[@]}-1; i>=0; i--)); do eval "${_cleanups[$i]}" >/dev/null 2>&1; done
  _detach_loops  # before the daemon stops: a loop may sit on one of its FUSE files
  stop_daemon >/dev/null 2>&1
  _stop_autostarted >/dev/null 2>&1
  rm -rf "$E2E_TMP"
  exit $rc
}
trap _run_cleanups EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# not CMD...: succeeds when CMD fails.
not() { if "$@"; then fail "expected failure: $*"; fi; }

# requires TOOL...: skip the test (ctest SKIP via exit 77) when a tool is missing.
requires() { local t; for t in "$@"; do command -v "$t" >/dev/null || { echo "SKIP: needs $t"; exit 77; }; done; }

# start_daemon [ARGS...]: udmd in the foreground on $UDM_RUNDIR, waits for its socket.
start_daemon() {
  udmd --rundir "$UDM_RUNDIR" --foreground "$@" >"$E2E_TMP/udmd.log" 2>&1 &
  UDMD_PID=$!
  local i
  for ((i=0; i<200; i++)); do
    # The socket must answer: a killed daemon leaves a stale one behind.
    [ -S "$UDM_RUNDIR/control" ] && UDM_NO_AUTOSTART=1 udmsetup daemon status >/dev/null 2>&1 && return 0
    kill -0 "$UDMD_PID" 2>/dev/null || { cat "$E2E_TMP/udmd.log" >&2; fail "udmd exited at start"; }
    sleep 0.05
  done
  fail "udmd did not create $UDM_RUNDIR/control"
}

# stop_daemon: SIGTERM, wait; SIGKILL and abort a stuck FUSE mount if needed.
stop_daemon() {
  [ -n "${UDMD_PID:-}" ] || { _unmount_rundir; return 0; }
  kill -TERM "$UDMD_PID" 2>/dev/null || true
  local i
  for ((i=0; i<100; i++)); do kill -0 "$UDMD_PID" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$UDMD_PID" 2>/dev/null; then
    kill -KILL "$UDMD_PID" 2>/dev/null || true
  fi
  wait "$UDMD_PID" 2>/dev/null || true
  _unmount_rundir
  UDMD_PID=
}

# _unmount_rundir: every FUSE mount left on $UDM_RUNDIR/dev. A udmd killed
# with -9 leaves its mount, and the next udmd mounts over it, so there may be
# several; mountpoint(1) fails on a dead daemon's mount: ask /proc/mounts.
_unmount_rundir() {
  local i
  for ((i=0; i<20; i++)); do
    grep -qF " $UDM_RUNDIR/dev " /proc/mounts 2>/dev/null || return 0
    fusermount3 -u -z "$UDM_RUNDIR/dev" 2>/dev/null || umount -l "$UDM_RUNDIR/dev" 2>/dev/null || return 0
  done
}

# _stop_autostarted: a udmd that udmsetup or ulvm started on $UDM_RUNDIR
# (not through start_daemon) is stopped too, found by its pid file.
_stop_autostarted() {
  local pid
  pid=$(cat "$UDM_RUNDIR/udmd.pid" 2>/dev/null) || return 0
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$UDM_RUNDIR" || return 0
  UDMD_PID=$pid stop_daemon
}

# start_fuse_daemon [ARGS...]: udmd with the FUSE export and no NBD; skips
# the test where FUSE is missing or the export does not mount.
start_fuse_daemon() {
  [ -e /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }
  start_daemon --no-nbd "$@"
  mountpoint -q "$UDM_RUNDIR/dev" || { echo "SKIP: the FUSE export did not mount"; exit 77; }
}

# term_daemon MESSAGE: SIGTERM udmd and fail with MESSAGE unless it exits
# within 10 s; its exit code is left in DAEMON_RC.
term_daemon() {
  local pid=$UDMD_PID i
  kill -TERM "$pid"
  for ((i=0; i<200; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$pid" 2>/dev/null && fail "$1"
  DAEMON_RC=0
  wait "$pid" || DAEMON_RC=$?
  UDMD_PID=
}

# stack_on_suspended: A (linear) stacked on B (linear over a 4M file), then
# B suspended, so I/O through A is held by B.
stack_on_suspended() {
  sparse_file "$E2E_TMP/b.img" 4M
  udmsetup create B --table "0 8192 linear $E2E_TMP/b.img 0"
  local b_minor
  b_minor=$(udmsetup info B | sed -n 's/^Major, minor: *[0-9]*, *\([0-9]*\)$/\1/p')
  udmsetup create A --table "0 8192 linear 252:$b_minor 0"
  udmsetup suspend B
}

# wait_opened NAME: until a writer has NAME open (FUSE) and a moment for its
# I/O, which follows the open at once, to arrive.
wait_opened() {
  local i
  for ((i=0; i<100; i++)); do udmsetup info "$1" | grep -q "^Open count: *1" && break; sleep 0.05; done
  sleep 0.5
}

# sparse_file PATH SIZE: a sparse backing file (truncate sizes: 64M, 1G).
sparse_file() { truncate -s "$2" "$1"; }

# attach_loop [LOSETUP-OPTIONS] FILE: prints the loop device; detached at exit.
# Works inside $(...) too: the device is recorded in a file the exit trap reads.
attach_loop() {
  local dev
  dev=$(losetup -f --show "$@")
  echo "$dev" >> "$E2E_TMP/loops"
  echo "$dev"
}

# detach_loop DEV: detaches a loop device from attach_loop now, not at exit
# (so the exit trap cannot detach the same number after another test got it).
# losetup -d on a loop device still open elsewhere (a mount being torn down,
# a probe) only marks it to be cleared at its last close, and until then it
# holds its backing file open (a udm device: "in use"). So this waits until
# the device has let go of that file.
detach_loop() {
  local sys=/sys/block/${1##*/}/loop/backing_file back i
  back=$(cat "$sys" 2>/dev/null)
  timeout 20 losetup -d "$1" || return 1
  sed -i "\|^$1\$|d" "$E2E_TMP/loops"
  [ -n "$back" ] || return 0
  for ((i = 0; i < 200; i++)); do
    [ "$(cat "$sys" 2>/dev/null)" == "$back" ] || return 0
    sleep 0.1
  done
  echo "detach_loop: $1 still holds $back after 20 s" >&2
  return 1
}

# Loop devices are global: at exit, detach only those still backed by a file
# of this test.
_detach_loops() {
  [ -f "$E2E_TMP/loops" ] || return 0
  local dev back
  while read -r dev; do
    back=$(losetup -nO BACK-FILE "$dev" 2>/dev/null) || continue
    [[ "$back" == "$E2E_TMP"/* ]] && losetup -d "$dev" 2>/dev/null
  done < <(tac "$E2E_TMP/loops")
}

# expect_eq ACTUAL EXPECTED [WHAT]
expect_eq() { [ "$1" == "$2" ] || fail "${3:-value}: expected [$2], got [$1]"; }
