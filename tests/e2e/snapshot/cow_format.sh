#!/bin/bash
# The persistent COW format judged from outside: a known workload of byte-
# granular writes to an origin (snapshot-origin) and to its snapshot through
# their FUSE files, then cow_reader.py (written from the kernel's documented
# layout, not udm's parser) decodes the COW file: header (magic "SnAp",
# valid, version 1, the chunk size), every exception area, every record.
# Every origin chunk a write touched has exactly one exception and no other
# chunk has one; each exception's data chunk holds what the snapshot must
# show; the status' allocated count matches the highest chunk on disk.
# udmd refuses a copy throttle over 100%.
. "$(dirname "$0")/../exports/common.sh"
requires udmd udmsetup python3 cmp
[ -w /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
CHUNK=16                # 8 KiB: 512 records an area; the workload fills more than one
SECTORS=32768           # 16 MiB
cd "$E2E_TMP"
head -c $((SECTORS * 512)) /dev/urandom >origin.img
cp origin.img at-snap.img
sparse_file cow.img 24M
mkdir expect

# The copy throttle (dm-snapshot's snapshot_copy_throttle) is a percentage.
out=$(udmd --rundir "$UDM_RUNDIR" --foreground --snapshot-copy-throttle 101 2>&1) && fail "a throttle of 101% was accepted"
[[ "$out" == *"--snapshot-copy-throttle: Value 101 not in range 0 to 100"* ]] || fail "throttle error: $out"
start_daemon --snapshot-copy-throttle 100
udmsetup create snap --table "0 $SECTORS snapshot $PWD/origin.img $PWD/cow.img P $CHUNK"
udmsetup create origin --table "0 $SECTORS snapshot-origin $PWD/origin.img"
wait_for_file "$UDM_RUNDIR/dev/mapper/origin"
wait_for_file "$UDM_RUNDIR/dev/mapper/snap"
python3 "$here/cow_workload.py" "$UDM_RUNDIR/dev/mapper/origin" "$UDM_RUNDIR/dev/mapper/snap" at-snap.img \
  $((CHUNK * 512)) 7 expect
status=$(udmsetup status snap)
cmp -s "$UDM_RUNDIR/dev/mapper/snap" expect/view.img || fail "the snapshot does not read what the workload expects"
cmp -s "$UDM_RUNDIR/dev/mapper/origin" expect/origin.img || fail "the origin does not read what the workload wrote"
remove_device origin
remove_device snap
cmp -s origin.img expect/origin.img || fail "the origin file does not hold what the workload wrote"

out=$(python3 "$here/cow_reader.py" check cow.img --view expect/view.img --origin origin.img \
  --chunks expect/chunks.txt --chunk $CHUNK) || fail "the COW does not decode to the workload"
echo "COW: $out; status: $status"
areas=${out#areas=}; areas=${areas%% *}
[ "$areas" -ge 2 ] || fail "the workload filled no whole area ($out)"
alloc=${out##*allocated=}
[[ "$status" =~ ^0\ $SECTORS\ snapshot\ $alloc/49152\ [0-9]+$ ]] || fail "status [$status] does not count $alloc allocated sectors"
echo "ok"
