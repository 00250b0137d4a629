# libudm-preload.so on its own: /proc/devices gains the device-mapper line,
# stat of the control path shows 10:236, read-ahead is faked, everything else
# passes through, and the control connection survives fork.
. "$UDM_E2E_LIB"
. "$(dirname "$0")/shim_lib.sh"
requires python3

shim=$(dirname "$UDM_BIN")/lib/libudm-preload.so
[ -f "$shim" ] || fail "no $shim"
P() { LD_PRELOAD="$shim" DM_DEV_DIR="$UDM_RUNDIR/devdir" "$@"; }

# fopen("/proc/devices") gets the line; the real file is unchanged.
out=$(P python3 -c 'import ctypes,sys
libc=ctypes.CDLL(None); libc.fopen.restype=ctypes.c_void_p
f=libc.fopen(b"/proc/devices", b"r"); buf=ctypes.create_string_buffer(65536)
n=libc.fread(buf,1,65535,ctypes.c_void_p(f)); sys.stdout.write(buf.raw[:n].decode())')
grep -qx '252 device-mapper' <<<"$out" || fail "/proc/devices: $out"
grep -qx 'Block devices:' <<<"$out" || fail "/proc/devices lost its content: $out"
grep -q 'device-mapper' /proc/devices && fail "the host's /proc/devices changed?"
# stat of the control node.
expect_eq "$(P python3 -c 'import os,sys; s=os.stat(sys.argv[1]); print("%o %d:%d" % (s.st_mode, os.major(s.st_rdev), os.minor(s.st_rdev)))' "$UDM_RUNDIR/devdir/mapper/control")" \
  "20600 10:236" "stat of control"
expect_eq "$(P stat -c '%F %t:%T %a' "$UDM_RUNDIR/devdir/mapper/control")" "character special file a:ec 600" "statx of control"
# Without DM_DEV_DIR the shim sets it to <rundir>/devdir: nodes never go to the host's /dev.
expect_eq "$(env -u DM_DEV_DIR LD_PRELOAD="$shim" sh -c 'echo "$DM_DEV_DIR"')" "$UDM_RUNDIR/devdir" "default DM_DEV_DIR"
[ -d "$UDM_RUNDIR/devdir/mapper" ] || fail "no $UDM_RUNDIR/devdir/mapper"
# read-ahead.
expect_eq "$(P python3 -c 'print(open("/sys/dev/block/252:7/bdi/read_ahead_kb").read().strip())')" "128" "read_ahead_kb"
# sysfs names of udm devices: the kernel name link; dm/name asks udmd.
expect_eq "$(P readlink /sys/dev/block/252:9)" "../../devices/virtual/block/dm-9" "sysfs device link"
D create named --table "0 8 zero"
mm=$(D info -c -o devno --noheadings named)
expect_eq "$(P python3 -c 'import sys; print(open(sys.argv[1]).read(), end="")' "/sys/dev/block/$mm/dm/name")" "named" "dm/name"
P python3 -c 'open("/sys/dev/block/252:999/dm/name")' 2>/dev/null && fail "dm/name of a missing device opened"
D remove named
# Untouched: other files and other ioctls.
expect_eq "$(P cat /etc/hostname)" "$(cat /etc/hostname)" "pass-through read"
# dup, fork and threads on the control fd: the python helper issues DM_VERSION.
P python3 - "$UDM_RUNDIR/devdir/mapper/control" <<'PY' || fail "control fd across dup/fork/threads"
import fcntl, os, struct, sys, threading
DM_VERSION = 0xc138fd00
def version(fd):
    buf = bytearray(16384)
    struct.pack_into('<3III', buf, 0, 4, 0, 0, 16384, 312)
    fcntl.ioctl(fd, DM_VERSION, buf, True)
    v = struct.unpack_from('<3I', buf, 0)
    assert v[0] == 4, v
    return v
fd = os.open(sys.argv[1], os.O_RDWR)
version(fd)
fd2 = os.dup(fd)
version(fd2)
os.close(fd)
version(fd2)
fd3 = fcntl.fcntl(fd2, fcntl.F_DUPFD_CLOEXEC, 10)
version(fd3)
errors = []
def worker():
    try:
        for _ in range(200): version(fd3)
    except Exception as e:
        errors.append(e)
ts = [threading.Thread(target=worker) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
assert not errors, errors
pid = os.fork()
if pid == 0:
    try:
        for _ in range(100): version(fd3)
        os._exit(0)
    except Exception:
        os._exit(1)
for _ in range(100): version(fd3)
_, status = os.waitpid(pid, 0)
assert status == 0, status
# A non-dm ioctl on the fd goes to the socket as usual (FIONREAD works on sockets).
import termios
fcntl.ioctl(fd3, termios.FIONREAD, bytearray(4))
os.close(fd2); os.close(fd3)
PY
echo PASS
