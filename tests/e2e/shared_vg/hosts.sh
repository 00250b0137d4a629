# Shared start of the shared-VG e2e scripts: "hosts" on one machine, each a
# mount namespace with its own /run/sanlock (so its own sanlock daemon, run
# without watchdog), /run/lock/lvm and /var/log, and its own udm run
# directory (udmd, udm-lockd). The shared disk is one loop device, or (with
# storage_start and `host_start NAME net ADDR`) an NBD export of a third udmd
# in a "storage" network namespace, reached by each host from a network
# namespace of its own over a veth pair on the storage side's bridge.
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

declare -A HOST_NS=() HOST_NET=()

# host_start NAME [private-run | net ADDR]: the namespace (held by a sleeping
# process) and its sanlock daemon; stopped at exit. With private-run the
# whole /run is the host's own (lvm2 finds lvmlockd by /run/lvmlockd.pid).
# With net, the host also gets a network namespace whose eth0 (ADDR/24) is
# the far end of a veth pair on the storage bridge (storage_start first).
host_start() {
  local name=$1 i run_mount="" net=""
  [ "${2:-}" == private-run ] && run_mount="mount -t tmpfs tmpfs /run && mkdir -p /run/sanlock /run/lock/lvm /run/lvm &&"
  [ "${2:-}" == net ] && net=-n
  mkdir -p "$E2E_TMP/$name/run" "$E2E_TMP/$name/log"
  unshare -m $net --propagation private bash -c "$run_mount
    mount -t tmpfs tmpfs /run/sanlock && mount -t tmpfs tmpfs /run/lock/lvm &&
    mount --bind '$E2E_TMP/$name/log' /var/log && exec sleep infinity" &
  HOST_NS[$name]=$!
  HOST_NET[$name]=$net
  cleanup_fn "host_stop $name"
  for ((i=0; i<100; i++)); do
    grep -q ' /run/sanlock ' "/proc/${HOST_NS[$name]}/mounts" 2>/dev/null && break
    sleep 0.05
  done
  [ -z "$net" ] || host_link "$name" "$3"
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

# on NAME CMD...: runs CMD in host NAME (its namespaces and udm run directory).
on() {
  local name=$1; shift
  nsenter -t "${HOST_NS[$name]}" -m ${HOST_NET[$name]:-} -- env UDM_RUNDIR="$E2E_TMP/$name/run" \
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

# run HOST CMD...: its stdout+stderr in $out, its exit status in $rc.
run() { rc=0; out=$(on "$@" 2>&1) || rc=$?; }
# wait_host HOST LOCKSPACE ID live|gone: until HOST's sanlock sees host ID renew (or stop).
wait_host() {
  local want='[1-9]' i
  [ "$4" == gone ] && want='0$'
  for ((i=0; i<100; i++)); do
    on "$1" sanlock client host_status -s "$2" 2>/dev/null | grep -q "^$3 timestamp $want" && return 0
    sleep 0.2
  done
  fail "$1 does not see host $3 $4 in $2: $(on "$1" sanlock client host_status -s "$2")"
}
# dump LEASE_DEV: sanlock's view of the lease area of the VG on it, from host A.
dump() { on A sanlock direct dump "$1:1048576:70M"; }
# rows: report rows with runs of blanks folded and no trailing blank.
rows() { tr -s ' ' | sed 's/ $//'; }

# ---- the storage side: a network namespace with a bridge (STORAGE_ADDR/24)
# and its own udmd serving NBD there. Namespaces held by sleeping processes,
# not `ip netns` (nothing global to clean up): the veths and the bridge go
# with them.
STORAGE_ADDR=10.77.0.1
STORAGE_NS=

# storage_start: the storage namespace and its bridge.
storage_start() {
  requires ip
  unshare -n sleep infinity &
  STORAGE_NS=$!
  cleanup_fn storage_stop
  sleep 0.1
  storage ip link set lo up || fail "storage lo"
  storage ip link add br0 type bridge || fail "the storage bridge (ip link add type bridge)"
  storage ip addr add "$STORAGE_ADDR/24" dev br0 && storage ip link set br0 up || fail "storage bridge address"
}

# storage CMD...: runs CMD in the storage network namespace.
storage() { nsenter -t "$STORAGE_NS" -n -- "$@"; }

# host_link NAME ADDR: a veth pair from the storage bridge to the host's eth0.
host_link() {
  local name=$1 addr=$2 i
  storage ip link add "v$name" type veth peer name eth0 netns "${HOST_NS[$name]}" || fail "veth of $name"
  storage ip link set "v$name" master br0 && storage ip link set "v$name" up || fail "bridge port of $name"
  on "$name" ip link set lo up && on "$name" ip addr add "$addr/24" dev eth0 && on "$name" ip link set eth0 up \
    || fail "eth0 of $name"
}

# storage_udmd ARGS...: udmd in the storage namespace on $E2E_TMP/storage/run
# (udmd's own options, e.g. --nbd-listen); waits until it answers.
storage_udmd() {
  local srv="$E2E_TMP/storage/run" i
  mkdir -p "$srv"
  nsenter -t "$STORAGE_NS" -n -- udmd --rundir "$srv" --foreground "$@" >"$E2E_TMP/storage/udmd.log" 2>&1 &
  STORAGE_UDMD=$!
  for ((i=0; i<200; i++)); do
    [ -S "$srv/control" ] && UDM_RUNDIR="$srv" UDM_NO_AUTOSTART=1 udmsetup daemon status >/dev/null 2>&1 && return 0
    kill -0 "$STORAGE_UDMD" 2>/dev/null || fail "storage udmd exited: $(cat "$E2E_TMP/storage/udmd.log")"
    sleep 0.05
  done
  fail "storage udmd did not answer"
}

# storage_export NAME SIZE: a linear device NAME over a sparse image of SIZE
# served by the storage udmd over NBD with TLS (--tls-psk; plaintext TCP is
# refused without --nbd-insecure): $EXPORT_URI is its nbds:// URI for the
# hosts, with the PSK file in tls-psk-file= (udm's NBD client passes it to
# libnbd).
storage_export() {
  local name=$1 size=$2 port=10809 psk="$E2E_TMP/storage/psk" sectors
  mkdir -p "$E2E_TMP/storage"
  echo "alice:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$psk"
  chmod 600 "$psk"
  storage_udmd --nbd-listen "$STORAGE_ADDR:$port" --tls-psk "$psk"
  sparse_file "$E2E_TMP/storage/$name.img" "$size"
  sectors=$(( $(stat -c %s "$E2E_TMP/storage/$name.img") / 512 ))
  UDM_RUNDIR="$E2E_TMP/storage/run" udmsetup create "$name" --table "0 $sectors linear $E2E_TMP/storage/$name.img 0" \
    || fail "storage device $name"
  EXPORT_URI="nbds://alice@$STORAGE_ADDR:$port/$name?tls-psk-file=$psk"
}

storage_stop() {
  if [ -n "${STORAGE_UDMD:-}" ]; then
    kill -TERM "$STORAGE_UDMD" 2>/dev/null; sleep 0.3; kill -9 "$STORAGE_UDMD" 2>/dev/null
    fusermount3 -u -z "$E2E_TMP/storage/run/dev" 2>/dev/null
    STORAGE_UDMD=
  fi
  [ -n "$STORAGE_NS" ] && kill "$STORAGE_NS" 2>/dev/null
  STORAGE_NS=
}
