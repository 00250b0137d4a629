#!/usr/bin/env bash
# udmd --thin-no-space-timeout: a write to a full thin pool (queue_if_no_space)
# waits that long for space, then fails with ENOSPC, as the kernel's
# no_space_timeout module parameter; a write that gets space in time succeeds.
. "$UDM_E2E_LIB"
requires python3
cd "$E2E_TMP"
start_daemon --thin-no-space-timeout 2

truncate -s 4M meta
truncate -s 128K data  # two blocks of 64 KiB
udmsetup create pool --table "0 256 thin-pool $PWD/meta $PWD/data 128 0"
cleanup_fn "udmsetup remove -f pool"
POOL=$(udmsetup info -c --noheadings -o major,minor pool | tr -d ' ')
udmsetup message pool 0 "create_thin 0"
udmsetup create thin0 --table "0 2048 thin $POOL 0"
cleanup_fn "udmsetup remove -f thin0"
F=$UDM_RUNDIR/dev/mapper/thin0
# Writes a block at $2 KiB, fsyncs; prints the errno name (or ok) and seconds taken.
write_at() {
  python3 - "$1" "$2" <<'PY'
import errno, os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY)
t = time.monotonic()
try:
    os.pwrite(fd, b"x" * 65536, int(sys.argv[2]) * 1024)
    os.fsync(fd)
    r = "ok"
except OSError as e:
    r = errno.errorcode[e.errno]
print(r, round(time.monotonic() - t, 1))
PY
}
expect_eq "$(write_at "$F" 0 | cut -d' ' -f1)" "ok" "first block"
expect_eq "$(write_at "$F" 64 | cut -d' ' -f1)" "ok" "second block"
read -r err secs < <(write_at "$F" 128)
expect_eq "$err" "ENOSPC" "write to the full pool"
python3 -c "import sys; sys.exit(not 1.5 <= float('$secs') <= 8)" || fail "the write failed after ${secs}s, not after the 2s timeout"
udmsetup status pool | grep -q " out_of_data_space " || fail "pool not out_of_data_space: $(udmsetup status pool)"

# Space added before the timeout: the queued write goes through.
write_at "$F" 192 > late.txt &
writer=$!
sleep 0.5
truncate -s 256K data
udmsetup suspend pool
udmsetup reload pool --table "0 512 thin-pool $PWD/meta $PWD/data 128 0"
udmsetup resume pool
wait "$writer"
expect_eq "$(cut -d' ' -f1 late.txt)" "ok" "write queued until the pool grew"
udmsetup remove thin0 pool
echo "thin no_space_timeout ok"
