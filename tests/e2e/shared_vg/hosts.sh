# Shared start of the shared-VG e2e scripts: "hosts" on one machine, each a
# mount namespace with its own /run/sanlock (so its own sanlock daemon, run
# without watchdog), /run/lock/lvm and /var/log, and its own udm run
# directory (udmd, udm-lockd). The shared disk is one loop device.
# shellcheck disable=SC1090
. "$UDM_E2E_LIB"
command -v ulvm >/dev/null || { echo "SKIP: ulvm not built"; exit 77; }
command -v udm-lockd >/dev/null || { echo "SKIP: udm-lockd not built"; exit 77; }
requires sanlock unshare nsenter losetup
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root (namespaces, loop devices)"; exit 77; }
[ -n "${UDM_SANLOCK_SHIM:-}" ] && [ -f "$UDM_SANLOCK_SHIM" ] || { echo "SKIP: UDM_SANLOCK_SHIM not built"; exit 77; }
# Short leases for tests (sanlock's io_timeout; lvmlockd's default is 10 s).
export UDM_SANLOCK_IO_TIMEOUT=${UDM_SANLOCK_IO_TIMEOUT:-1}
export LVM_SUPPRESS_FD_WARNINGS=1
mkdir -p /run/sanlock /run/lock/lvm
# UDM_E2E_TRACE=FILE: a shell trace there (output captured by $(...) stays clean).
if [ -n "${UDM_E2E_TRACE:-}" ]; then exec 7>>"$UDM_E2E_TRACE"; BASH_XTRACEFD=7; set -x; fi

declare -A HOST_NS=()

# host_start NAME [private-run]: the namespace (held by a sleeping process)
# and its sanlock daemon; stopped at exit. With private-run the whole /run is
# the host's own (lvm2 finds lvmlockd by /run/lvmlockd.pid).
host_start() {
  local name=$1 i run_mount=""
  [ "${2:-}" == private-run ] && run_mount="mount -t tmpfs tmpfs /run && mkdir -p /run/sanlock /run/lock/lvm /run/lvm &&"
  mkdir -p "$E2E_TMP/$name/run" "$E2E_TMP/$name/log"
  unshare -m --propagation private bash -c "$run_mount
    mount -t tmpfs tmpfs /run/sanlock && mount -t tmpfs tmpfs /run/lock/lvm &&
    mount --bind '$E2E_TMP/$name/log' /var/log && exec sleep infinity" &
  HOST_NS[$name]=$!
  cleanup_fn "host_stop $name"
  for ((i=0; i<100; i++)); do
    grep -q ' /run/sanlock ' "/proc/${HOST_NS[$name]}/mounts" 2>/dev/null && break
    sleep 0.05
  done
  on "$name" env LD_PRELOAD="$UDM_SANLOCK_SHIM" sanlock daemon -w 0 -l 0 -h 0 -U root -G root \
    || fail "sanlock daemon of $name"
  for ((i=0; i<100; i++)); do
    if on "$name" sanlock client status >/dev/null 2>&1; then
      on "$name" cat /run/sanlock/sanlock.pid > "$E2E_TMP/$name/sanlock.pid"
      return 0
    fi
    sleep 0.1
  done
  fail "sanlock daemon of $name did not answer: $(cat "$E2E_TMP/$name/log/sanlock.log" 2>/dev/null)"
}

# on NAME CMD...: runs CMD in host NAME (its namespace and udm run directory).
on() {
  local name=$1; shift
  nsenter -t "${HOST_NS[$name]}" -m -- env UDM_RUNDIR="$E2E_TMP/$name/run" \
    UDM_LVM_CONFIG="$E2E_TMP/$name/lvm.conf" "$@"
}

# host_kill9 NAME: SIGKILL its udmd, udm-lockd and sanlock daemon (a crash).
host_kill9() {
  local name=$1 pid f
  # sanlock first: a host that dies releases nothing.
  for f in "$E2E_TMP/$name/sanlock.pid" "$E2E_TMP/$name/run/udmd.pid" "$E2E_TMP/$name/run/udm-lockd.pid"; do
    pid=$(cat "$f" 2>/dev/null) && [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  done
  return 0
}

host_stop() {
  local name=$1 pid
  [ -n "${HOST_NS[$name]:-}" ] || return 0
  pid=$(cat "$E2E_TMP/$name/run/udm-lockd.pid" 2>/dev/null) && [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  pid=$(cat "$E2E_TMP/$name/run/udmd.pid" 2>/dev/null) && [ -n "$pid" ] && {
    kill -TERM "$pid" 2>/dev/null; sleep 0.5; kill -9 "$pid" 2>/dev/null; }
  on "$name" sh -c 'grep -F " '"$E2E_TMP/$name"'/run/dev " /proc/self/mounts | cut -d" " -f2 | xargs -r -n1 umount -l' 2>/dev/null
  pid=$(cat "$E2E_TMP/$name/sanlock.pid" 2>/dev/null) && [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  kill "${HOST_NS[$name]}" 2>/dev/null
  HOST_NS[$name]=
}

# host_conf NAME HOST_ID DEV...: udm's lvm.conf of the host: its devices
# and local/host_id.
host_conf() {
  local name=$1 id=$2 list="" d; shift 2
  for d in "$@"; do list="$list${list:+, }\"$d\""; done
  printf 'devices {\n  devices = [ %s ]\n}\nlocal {\n  host_id = %s\n}\n' "$list" "$id" > "$E2E_TMP/$name/lvm.conf"
}

# expect_in TEXT NEEDLE WHAT
expect_in() { grep -qF -- "$2" <<<"$1" || fail "$3: expected [$2] in:
$1"; }
