#!/bin/bash
# mirror with a disk log, in the table shape lvm2's `--type mirror` LVs get
# (disk log, 2 MiB regions, handle_errors): the first activation resyncs
# from leg 0, a pattern reads back through FUSE and sits on both leg files;
# a second activation trusts the log (in sync at once), and a core-log
# mirror shows `1 core`.
. "$UDM_E2E_LIB"
requires udmd udmsetup dd sha256sum cmp
export UDM_NO_AUTOSTART=1
start_fuse_daemon
dev="$UDM_RUNDIR/dev/mapper"
T=$E2E_TMP
sparse_file "$T/log" 4M
sparse_file "$T/leg0" 64M
sparse_file "$T/leg1" 64M
SECTORS=131072
head -c 8M /dev/urandom >"$T/seed"
dd if="$T/seed" of="$T/leg0" bs=1M seek=8 conv=notrunc status=none
TABLE="0 $SECTORS mirror disk 2 $T/log 4096 2 $T/leg0 0 $T/leg1 0 1 handle_errors"
udmsetup create mir --table "$TABLE"
for ((i=0; i<600; i++)); do udmsetup status mir | grep -q " 32/32 1 AA 3 disk " && break; sleep 0.05; done
expect_eq "$(udmsetup status mir)" "0 $SECTORS mirror 2 $T/leg0 $T/leg1 32/32 1 AA 3 disk $T/log A" status
expect_eq "$(udmsetup table mir)" "$TABLE" table
cmp "$T/leg0" "$T/leg1" || fail "legs differ after the resync"
head -c 16M /dev/urandom >"$T/pattern"
dd if="$T/pattern" of="$dev/mir" bs=1M seek=20 oflag=direct conv=notrunc status=none
cmp <(dd if="$dev/mir" bs=1M skip=20 count=16 iflag=direct status=none) "$T/pattern" || fail "read back"
udmsetup remove mir
cmp "$T/leg0" "$T/leg1" || fail "legs differ"
# Again on the same log: nothing to resync.
udmsetup create mir --table "$TABLE"
expect_eq "$(udmsetup status mir | cut -d" " -f7-9)" "32/32 1 AA" "second activation"
udmsetup remove mir
udmsetup create mc --table "0 $SECTORS mirror core 2 4096 nosync 2 $T/leg0 0 $T/leg1 0"
expect_eq "$(udmsetup status mc | cut -d' ' -f4-)" "2 $T/leg0 $T/leg1 32/32 1 AA 1 core" "core log status"
cmp <(dd if="$dev/mc" bs=1M skip=20 count=16 iflag=direct status=none) "$T/pattern" || fail "core-log read back"
udmsetup remove mc
echo PASS
