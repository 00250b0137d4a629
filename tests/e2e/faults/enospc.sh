# A full backing filesystem: writes past the space get a clean "No space
# left on device" error, not a hang or a crash; what fit reads back, and
# udmd keeps answering.
. "$UDM_E2E_LIB"
requires udmd udmsetup timeout dd mount
export UDM_NO_AUTOSTART=1
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root to mount tmpfs"; exit 77; }
mkdir -p "$E2E_TMP/small"
mount -t tmpfs -o size=4m tmpfs "$E2E_TMP/small"
cleanup_fn "umount -l $E2E_TMP/small"
start_daemon
img="$E2E_TMP/small/back.img"; sparse_file "$img" 32M   # sparse: larger than the filesystem
dev="$UDM_RUNDIR/dev/mapper"
udmsetup create full --table "0 65536 linear $img 0"

head -c 1M /dev/urandom > "$E2E_TMP/first.bin"
timeout 30 dd if="$E2E_TMP/first.bin" of="$dev/full" bs=64k oflag=direct conv=notrunc,fsync status=none || fail "first MiB"
rc=0
out=$(timeout 60 dd if=/dev/zero of="$dev/full" bs=64k seek=16 count=256 oflag=direct conv=notrunc 2>&1) || rc=$?
[ $rc -ne 124 ] || fail "write into a full filesystem hung"
[ $rc -ne 0 ] || fail "16 MiB fit into a 4 MiB filesystem?"
grep -q "No space left on device" <<<"$out" || fail "expected ENOSPC, got: $out"
timeout 30 cmp -n 1048576 "$E2E_TMP/first.bin" "$dev/full" || fail "data written before the disk filled"
kill -0 "$UDMD_PID" || fail "udmd died"
expect_eq "$(udmsetup info -c --noheadings -o name full)" "full" "udmd answers after ENOSPC"
udmsetup remove full
echo PASS
