#!/bin/bash
# udmd keeps its devices across a crash: after kill -9, a new udmd (started by
# hand, then auto-started by the next command) brings back every device with
# the same device number, live and inactive tables, read-only flag, suspended
# state and event number, and data fsynced through the FUSE file reads back.
. "$UDM_E2E_LIB"
requires udmd udmsetup md5sum
export UDM_NO_AUTOSTART=1

fuse=0
[ -w /dev/fuse ] && command -v fusermount3 >/dev/null && fuse=1
args=()
[ $fuse = 1 ] || args+=(--no-fuse)
start_daemon "${args[@]}"

sparse_file "$E2E_TMP/a.img" 8M
sparse_file "$E2E_TMP/b.img" 8M
udmsetup create lin -u UUID-lin --table "0 8192 linear $E2E_TMP/a.img 2048"
udmsetup create z --table "0 1000 zero"
lin_minor=$(udmsetup info -c --noheadings -o minor lin | tr -d ' ')
# A stacked device, named by devno.
udmsetup create st --table "0 4096 linear 252:$lin_minor 1024"
udmsetup create ro -r --table "0 2048 linear $E2E_TMP/b.img 0
2048 16 error"
udmsetup create sus --table "0 64 zero"
udmsetup suspend sus
udmsetup load sus --table "0 128 error"
udmsetup create nt --notable
udmsetup load nt --table "0 8 zero"
udmsetup rename z z2
udmsetup rename z2 zz     # event number 2

if [ $fuse = 1 ]; then
  head -c 1M /dev/urandom >"$E2E_TMP/data"
  dd if="$E2E_TMP/data" of="$UDM_RUNDIR/dev/mapper/st" bs=64k seek=3 conv=fsync,notrunc status=none
  want=$(md5sum <"$E2E_TMP/data")
fi

snapshot() {
  udmsetup ls
  udmsetup table
  udmsetup table --inactive
  udmsetup info
  udmsetup info -c -o name,major,minor,attr,tables_loaded,events,uuid
}
# FUSE releases the file asynchronously after dd: wait for the open counts to settle.
for ((i=0; i<50; i++)); do
  [ "$(udmsetup info -c --noheadings -o open st | tr -d ' ')" = 0 ] && break
  sleep 0.1
done
before=$(snapshot)
nrec=$(ls "$UDM_RUNDIR/devices" | grep -c '^[0-9]*\.json$' || true)
expect_eq "$nrec" 6 "one record file per device in $UDM_RUNDIR/devices"
grep -q '"version":1' "$UDM_RUNDIR/devices/0.json" || fail "record has no version"

compare() {
  local after
  after=$(snapshot)
  [ "$before" == "$after" ] || fail "$1: devices differ
$(diff <(echo "$before") <(echo "$after"))"
  if [ $fuse = 1 ]; then
    for ((i=0; i<50; i++)); do [ -e "$UDM_RUNDIR/dev/mapper/st" ] && break; sleep 0.1; done
    got=$(dd if="$UDM_RUNDIR/dev/mapper/st" bs=64k skip=3 count=16 status=none | md5sum)
    expect_eq "$got" "$want" "$1: data written before the kill"
  fi
}

kill -KILL "$UDMD_PID"
wait "$UDMD_PID" 2>/dev/null || true
UDMD_PID=
start_daemon "${args[@]}"
grep -q "restored 6 of 6 device(s)" "$E2E_TMP/udmd.log" || fail "no restore log line: $(cat "$E2E_TMP/udmd.log")"
compare "after kill -9 and a new udmd"
expect_eq "$(udmsetup info -c --noheadings -o attr sus)" "LIsw" "sus suspended with an inactive table"
expect_eq "$(udmsetup info -c --noheadings -o attr ro)" "L--r" "ro read-only"
expect_eq "$(udmsetup info -c --noheadings -o events zz | tr -d ' ')" "2" "event number"

# Again, letting the next command start udmd (daemonized, so stopped by hand).
kill -KILL "$UDMD_PID"
wait "$UDMD_PID" 2>/dev/null || true
UDMD_PID=
# (Its info lines would differ without FUSE: an auto-started udmd tries it.)
[ $fuse = 1 ] || { echo "PASS (without the auto-start part: no FUSE)"; exit 0; }
cleanup_fn "fusermount3 -u -z $UDM_RUNDIR/dev"
cleanup_fn "udmsetup daemon stop --force"
env -u UDM_NO_AUTOSTART udmsetup ls >/dev/null
compare "after kill -9 and an auto-started udmd"

# The restored devices work: resume sus swaps in its inactive table.
udmsetup resume sus
expect_eq "$(udmsetup table sus)" "0 128 error " "resume after restore"
udmsetup daemon stop --force >/dev/null
echo PASS
