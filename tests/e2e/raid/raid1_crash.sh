#!/bin/bash
# kill -9 of udmd while a writer hits a few regions of a raid1 set: the
# write-intent bitmap on the metadata files has only those regions set, the
# restarted udmd (restoring the device from its record) resyncs only them
# (its log names the count; a full resync would be all 64), and the legs end
# equal. ROUNDS=N repeats the crash (default 2).
. "$UDM_E2E_LIB"
requires udmd udmsetup dd cmp python3
export UDM_NO_AUTOSTART=1
ROUNDS=${ROUNDS:-2}
dev="$UDM_RUNDIR/dev/mapper"
T=$E2E_TMP
for f in m0 m1; do sparse_file "$T/$f" 1M; done
for f in d0 d1; do sparse_file "$T/$f" 32M; done
SECTORS=65536   # 64 regions of 512 KiB
status() { udmsetup status r | cut -d' ' -f4-; }
wait_status() {
  local i
  for ((i=0; i<600; i++)); do [ "$(status)" = "$1" ] && return 0; sleep 0.05; done
  fail "status: expected [$1], got [$(status)]"
}
dirty_bits() {  # set bits in the bitmap on a metadata file (64 regions: 8 bytes after 4 KiB + 256)
  python3 -c "
import sys
b = open(sys.argv[1], 'rb').read()[4096 + 256:4096 + 256 + 8]
print(sum(bin(x).count('1') for x in b))" "$1"
}

start_fuse_daemon
udmsetup create r --table "0 $SECTORS raid raid1 6 0 nosync region_size 1024 daemon_sleep 300 2 $T/m0 $T/d0 $T/m1 $T/d1"
dd if=/dev/urandom of="$dev/r" bs=1M count=32 oflag=direct conv=notrunc status=none
for ((i=0; i<100; i++)); do [ "$(dirty_bits "$T/m0")" = 0 ] && break; sleep 0.1; done
expect_eq "$(dirty_bits "$T/m0")" 0 "dirty bits once idle"

for ((round=1; round<=ROUNDS; round++)); do
  # Writes into regions 10..13 only, until udmd dies under them.
  ( while :; do
      dd if=/dev/urandom of="$dev/r" bs=4k count=8 seek=$((1280 + RANDOM % 500)) oflag=direct conv=notrunc \
        status=none 2>/dev/null || exit 0
    done ) &
  writer=$!
  sleep 1
  kill -9 "$UDMD_PID"
  wait "$UDMD_PID" 2>/dev/null || true
  UDMD_PID=
  wait "$writer" 2>/dev/null || true
  n=$(dirty_bits "$T/m0")
  echo "round $round: $n dirty regions at the crash"
  [ "$n" -ge 1 ] && [ "$n" -le 4 ] || fail "expected 1..4 dirty regions (10..13), got $n"
  start_fuse_daemon
  wait_status "raid1 2 AA 65536/65536 idle 0 0 -"
  grep -q "raid raid1: $n of 64 regions dirty in the write-intent bitmap" "$T/udmd.log" ||
    { cat "$T/udmd.log" >&2; fail "udmd did not resync only the $n dirty regions"; }
  for ((i=0; i<100; i++)); do grep -q "resync done" "$T/udmd.log" && break; sleep 0.05; done
  grep -q "resync done, $n regions copied" "$T/udmd.log" || { cat "$T/udmd.log" >&2; fail "resync copied other than $n regions"; }
  udmsetup suspend r
  cmp "$T/d0" "$T/d1" || fail "legs differ after the resync"
  udmsetup resume r
done
udmsetup remove r
echo PASS
