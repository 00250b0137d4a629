#!/bin/bash
# I/O held across an NBD server restart: a linear device over an nbdkit
# export (nbd+unix URI); fio writes and verifies through the device's FUSE
# file while nbdkit is killed and restarted on the same socket.
# - outage shorter than the hold time (udmd --nbd-reconnect-hold 15): fio
#   sees no error, its verify passes, udmd logs the loss and the reconnect;
# - outage longer than the hold time (?reconnect-hold=1 in the URI): the
#   I/O fails with EIO, udmd says so, and the device works again once the
#   server is back.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup nbdkit fio
[ -e /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }

IMG="$E2E_TMP/export.img"; sparse_file "$IMG" 64M
SOCK="$E2E_TMP/nbdkit.sock"
start_nbdkit "$SOCK" "$IMG"
start_daemon --nbd-reconnect-hold 15
URI="nbd+unix:///?socket=$SOCK"
udmsetup create held --table "0 131072 linear $URI 0"
expect_eq "$(udmsetup table held)" "0 131072 linear $URI 0" "table"
wait_for_file "$UDM_RUNDIR/dev/mapper/held"

# fio at 4 MiB/s for 24 MiB: about 6 s of writes, then the verify pass.
fio --name=held --filename="$UDM_RUNDIR/dev/mapper/held" --rw=randwrite --bs=16k --size=24M \
    --ioengine=psync --direct=1 --fallocate=none --rate=4m --verify=crc32c --do_verify=1 --verify_fatal=1 \
    --output="$E2E_TMP/fio.out" >/dev/null 2>&1 &
FIO=$!
sleep 1.5
stop_nbdkit
sleep 2
start_nbdkit "$SOCK" "$IMG"
wait "$FIO" || { cat "$E2E_TMP/fio.out"; fail "fio saw an error across a 2 s outage with a 15 s hold"; }
grep -q "err= 0" "$E2E_TMP/fio.out" || { cat "$E2E_TMP/fio.out"; fail "fio reported errors"; }
grep -q "connection lost" "$E2E_TMP/udmd.log" || fail "udmd did not log the lost connection"
grep -q "reconnected after" "$E2E_TMP/udmd.log" || fail "udmd did not log the reconnect"

# A 1 s hold and a 4 s outage: EIO reaches the writer.
udmsetup create short --table "0 131072 linear $URI&reconnect-hold=1 0"
wait_for_file "$UDM_RUNDIR/dev/mapper/short"
stop_nbdkit
rc=0
dd if=/dev/zero of="$UDM_RUNDIR/dev/mapper/short" bs=64k count=16 oflag=direct conv=notrunc 2>"$E2E_TMP/dd.err" || rc=$?
[ "$rc" != 0 ] || fail "a write during a 4 s outage with a 1 s hold succeeded"
grep -q "Input/output error" "$E2E_TMP/dd.err" || { cat "$E2E_TMP/dd.err"; fail "not EIO"; }
grep -q "not reconnected within 1 s" "$E2E_TMP/udmd.log" || fail "udmd did not log failing the held requests"
sleep 1
start_nbdkit "$SOCK" "$IMG"
ok=0
for ((i=0; i<100; i++)); do
  dd if="$UDM_RUNDIR/dev/mapper/short" of=/dev/null bs=64k count=1 iflag=direct 2>/dev/null && { ok=1; break; }
  sleep 0.1
done
[ "$ok" == 1 ] || fail "the device did not recover after the server came back"
udmsetup remove short
remove_device held
echo OK
