#!/usr/bin/env bash
# kill -9 of udmd during a thin workload, UDM_THIN_CRASH_ROUNDS rounds (10 by
# default, for CI; 50 by hand): random page writes and whole-block discards
# with fsyncs to thin0 while a loop takes snapshots of it (suspend,
# create_snap, resume) and deletes older ones. After every kill: thin_check
# is clean on the metadata file, every snapshot thin_dump shows is one the
# loop asked for, and after udmd restarts every write and discard fsynced
# before the kill reads back from thin0, and every surviving snapshot holds
# what was durable when it was taken. The snapshots are then deleted.
. "$UDM_E2E_LIB"
requires thin_check thin_dump python3
here=$(dirname "$0")
rounds=${UDM_THIN_CRASH_ROUNDS:-10}
cd "$E2E_TMP"
start_daemon

truncate -s 8M meta
truncate -s 256M data  # thin0 and two generations of snapshots fit
SECT=$((256 * 1024 * 1024 / 512))
THIN=$((32 * 1024 * 1024 / 512))
make_devices() {
  udmsetup info pool >/dev/null 2>&1 ||
    udmsetup create pool --table "0 $SECT thin-pool $PWD/meta $PWD/data 128 0"
  POOL=$(udmsetup info -c --noheadings -o major,minor pool | tr -d ' ')
  udmsetup info thin0 >/dev/null 2>&1 || udmsetup create thin0 --table "0 $THIN thin $POOL 0"
  udmsetup resume thin0  # killed between its suspend and resume: the record kept it suspended
}
udmsetup create pool --table "0 $SECT thin-pool $PWD/meta $PWD/data 128 0"
udmsetup message pool 0 "create_thin 0"
make_devices
F=$UDM_RUNDIR/dev/mapper/thin0

# Snapshots of thin0 as lvm2 takes them, the two newest kept, until udmd dies.
snapper() {
  local round=$1 k=0 id
  export UDM_NO_AUTOSTART=1
  while :; do
    k=$((k + 1)) id=$((round * 100 + k))
    echo "S $id" >>log
    udmsetup suspend thin0 2>/dev/null || return 0
    udmsetup message pool 0 "create_snap $id 0" 2>/dev/null || return 0
    udmsetup resume thin0 2>/dev/null || return 0
    echo "T $id" >>log
    if ((k > 2)); then udmsetup message pool 0 "delete $((id - 2))" 2>/dev/null || return 0; fi
    sleep "0.0$((RANDOM % 5))"
  done
}

# The snapshots thin_dump shows on the metadata file.
dumped_snaps() {
  thin_dump meta >dump.xml || fail "round $1: thin_dump after kill -9"
  python3 -c '
import sys, xml.etree.ElementTree as ET
print(" ".join(d.get("dev_id") for d in ET.parse(sys.argv[1]).getroot().findall("device") if d.get("dev_id") != "0"))' dump.xml
}

total_snaps=0
for round in $(seq 1 "$rounds"); do
  rm -f log.ready
  python3 "$here/crash_writer.py" write log "$F" "$round" &
  writer=$!
  # The kill comes a random time after the writer started (python may start slowly on a busy machine).
  for ((i = 0; i < 400; i++)); do [ -e log.ready ] && break; sleep 0.05; done
  [ -e log.ready ] || fail "round $round: the writer did not start"
  snapper "$round" &
  snaps=$!
  sleep "0.$((RANDOM % 8 + 2))"
  kill -KILL "$UDMD_PID"
  wait "$UDMD_PID" 2>/dev/null || true
  UDMD_PID=
  wait "$writer" "$snaps" 2>/dev/null || true
  _unmount_rundir
  thin_check meta >check.log 2>&1 || { cat check.log >&2; fail "round $round: thin_check after kill -9"; }
  ids=$(dumped_snaps "$round")
  for id in $ids; do grep -qx "S $id" log || fail "round $round: thin_dump shows device $id, never created"; done
  start_daemon
  restored=no
  udmsetup info thin0 >/dev/null 2>&1 && restored=yes
  make_devices
  python3 "$here/crash_writer.py" check log "$F" >check.txt || { cat check.txt >&2; fail "round $round: fsynced writes lost"; }
  snapinfo=""
  for id in $ids; do
    udmsetup create snap --table "0 $THIN thin $POOL $id"
    python3 "$here/crash_writer.py" check log "$UDM_RUNDIR/dev/mapper/snap" "$id" >snap.txt ||
      { cat snap.txt >&2; fail "round $round: snapshot $id lost what was durable when taken"; }
    udmsetup remove --retry snap
    udmsetup message pool 0 "delete $id"
    snapinfo+=" $id:$(cut -d' ' -f1 snap.txt)"
    total_snaps=$((total_snaps + 1))
  done
  echo "round $round: thin_check clean; $(cat check.txt); snapshots checked (id:pages):${snapinfo:- none}; restored by udmd: $restored"
done
udmsetup remove --retry thin0
udmsetup remove --retry pool
thin_check meta >check.log 2>&1 || { cat check.log >&2; fail "thin_check at the end"; }
echo "thin crash ok: $rounds rounds, $total_snaps snapshots checked"
