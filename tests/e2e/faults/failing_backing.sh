# A backing device that starts failing (flakey, then error, underneath a
# linear device) gives the user clean I/O errors, never a hang or a crash,
# and udmd keeps answering.
. "$UDM_E2E_LIB"
requires udmd udmsetup timeout dd
export UDM_NO_AUTOSTART=1
start_daemon
img="$E2E_TMP/back.img"; sparse_file "$img" 16M
dev="$UDM_RUNDIR/dev/mapper"

# flakey: up 0 s, down 3600 s -> every I/O fails from the start.
udmsetup create lower --table "0 32768 flakey $img 0 0 3600"
udmsetup create upper --table "0 32768 linear 252:0 0"
out=$(timeout 20 dd if="$dev/upper" of=/dev/null bs=4k count=16 iflag=direct 2>&1) && fail "read through flakey succeeded"
[ $? -ne 124 ] || fail "read through flakey hung"
grep -q "Input/output error" <<<"$out" || fail "no EIO from read: $out"
out=$(timeout 20 dd if=/dev/zero of="$dev/upper" bs=4k count=16 oflag=direct conv=notrunc 2>&1) && fail "write through flakey succeeded"
grep -q "Input/output error" <<<"$out" || fail "no EIO from write: $out"

# Swap the lower table for error (as LVM's error_dev does): same result.
udmsetup load lower --table "0 32768 error"
udmsetup resume lower
out=$(timeout 20 dd if="$dev/upper" of=/dev/null bs=4k count=16 iflag=direct 2>&1) && fail "read through error succeeded"
grep -q "Input/output error" <<<"$out" || fail "no EIO through error: $out"

# Heal it: a working table again, data flows, daemon answers.
udmsetup load lower --table "0 32768 linear $img 0"
udmsetup resume lower
timeout 20 dd if=/dev/zero of="$dev/upper" bs=4k count=16 oflag=direct conv=notrunc status=none || fail "write after heal"
timeout 20 dd if="$dev/upper" of=/dev/null bs=4k count=16 iflag=direct status=none || fail "read after heal"
kill -0 "$UDMD_PID" || fail "udmd died"
udmsetup remove upper; udmsetup remove lower
echo PASS
