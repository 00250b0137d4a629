#!/bin/bash
# A suspend that waits for in-flight I/O holds up only its own device: with
# A stacked on B, B suspended and a write to A held by B, `suspend A` waits,
# while `ls`, `info B` and `resume B` answer at once; then A's suspend ends.
. "$UDM_E2E_LIB"
requires udmd udmsetup

start_fuse_daemon
stack_on_suspended
printf 'stacked' >"$E2E_TMP/data"
(rc=0; timeout 30 dd if="$E2E_TMP/data" of="$UDM_RUNDIR/dev/mapper/A" bs=4096 count=1 conv=sync,notrunc oflag=direct \
  2>"$E2E_TMP/dd.err" || rc=$?; echo $rc >"$E2E_TMP/dd.rc") &
wait_opened A
[ ! -e "$E2E_TMP/dd.rc" ] || fail "the write to A was not held by suspended B: $(cat "$E2E_TMP/dd.err")"
(rc=0; timeout 20 udmsetup suspend A || rc=$?; echo $rc >"$E2E_TMP/suspend.rc") &
sleep 0.5
[ ! -e "$E2E_TMP/suspend.rc" ] || fail "suspend A did not wait for the write held by B"

start=$(date +%s%N)
out=$(timeout 5 udmsetup ls) || fail "udmsetup ls hangs while suspend A waits"
expect_eq "$out" "A	(252:1)
B	(252:0)" "udmsetup ls"
timeout 5 udmsetup info B | grep -q "^State: *SUSPENDED" || fail "udmsetup info B hangs or B is not suspended"
# As with the kernel, a query of A itself answers too: A is not suspended yet.
timeout 5 udmsetup info A | grep -q "^State: *ACTIVE" || fail "udmsetup info A hangs or A is already suspended"
timeout 5 udmsetup create C --table "0 8 zero" || fail "create C hangs while suspend A waits"
timeout 5 udmsetup resume B || fail "resume B hangs while suspend A waits"
echo "ls, info, create and resume answered in $(( ($(date +%s%N) - start) / 1000000 )) ms"

for ((i=0; i<100; i++)); do [ -e "$E2E_TMP/suspend.rc" ] && break; sleep 0.1; done
expect_eq "$(cat "$E2E_TMP/suspend.rc" 2>/dev/null)" 0 "suspend A exit code once B is resumed"
udmsetup info A | grep -q "^State: *SUSPENDED" || fail "A is not suspended"
udmsetup resume A  # dd's close flushes A, which its suspend holds
for ((i=0; i<100; i++)); do [ -e "$E2E_TMP/dd.rc" ] && break; sleep 0.1; done
expect_eq "$(cat "$E2E_TMP/dd.rc" 2>/dev/null)" 0 "the write through A"
expect_eq "$(head -c 7 "$E2E_TMP/b.img")" "stacked" "the data written through A"
udmsetup remove A
udmsetup remove B
udmsetup remove C
