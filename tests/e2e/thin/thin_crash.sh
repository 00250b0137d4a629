#!/usr/bin/env bash
# kill -9 of udmd during random writes with fsyncs to a thin, 12 rounds: the
# metadata file is clean by thin_check after every kill, and every write
# fsynced before the kill reads back after udmd restarts (the devices come
# back from udmd's run-state record, or are recreated here).
. "$UDM_E2E_LIB"
requires thin_check python3
here=$(dirname "$0")
cd "$E2E_TMP"
start_daemon

truncate -s 8M meta
truncate -s 64M data
SECT=$((64 * 1024 * 1024 / 512))
THIN=$((32 * 1024 * 1024 / 512))
make_devices() {
  udmsetup info pool >/dev/null 2>&1 ||
    udmsetup create pool --table "0 $SECT thin-pool $PWD/meta $PWD/data 128 0"
  POOL=$(udmsetup info -c --noheadings -o major,minor pool | tr -d ' ')
  udmsetup info thin0 >/dev/null 2>&1 || udmsetup create thin0 --table "0 $THIN thin $POOL 0"
}
udmsetup create pool --table "0 $SECT thin-pool $PWD/meta $PWD/data 128 0"
udmsetup message pool 0 "create_thin 0"
make_devices
F=$UDM_RUNDIR/dev/mapper/thin0

for round in $(seq 1 12); do
  python3 "$here/crash_writer.py" write log "$F" "$round" &
  writer=$!
  sleep "0.$((RANDOM % 7 + 3))"
  kill -KILL "$UDMD_PID"
  wait "$UDMD_PID" 2>/dev/null || true
  UDMD_PID=
  wait "$writer" 2>/dev/null || true
  fusermount3 -u -z "$UDM_RUNDIR/dev" 2>/dev/null || umount -l "$UDM_RUNDIR/dev" 2>/dev/null || true
  thin_check meta > check.log 2>&1 || { cat check.log >&2; fail "round $round: thin_check after kill -9"; }
  start_daemon
  restored=no
  udmsetup info thin0 >/dev/null 2>&1 && restored=yes
  make_devices
  python3 "$here/crash_writer.py" check log "$F" > check.txt || { cat check.txt >&2; fail "round $round: fsynced writes lost"; }
  echo "round $round: $(cat check.txt); restored by udmd: $restored"
done
udmsetup remove thin0 pool
thin_check meta > check.log 2>&1 || { cat check.log >&2; fail "thin_check at the end"; }
echo "thin crash ok"
