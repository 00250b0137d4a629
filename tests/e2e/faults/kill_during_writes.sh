# udmd killed with SIGKILL during heavy writes, restarted, the VG
# reactivated: every write that was flushed before the kill reads back.
. "$UDM_E2E_LIB"
requires udmd ulvm timeout dd cmp
export UDM_NO_AUTOSTART=1 UDM_LVM_CONFDIR="$E2E_TMP/conf"
FA="$E2E_TMP/a.img"; FB="$E2E_TMP/b.img"
sparse_file "$FA" 64M; sparse_file "$FB" 64M
D="--devices $FA,$FB"
start_daemon
ulvm vgcreate $D vgc "$FA" "$FB" >/dev/null || fail "vgcreate"
ulvm lvcreate $D -an -L 40M -i 2 -n lv vgc >/dev/null || fail "lvcreate"
ulvm vgchange $D -ay vgc >/dev/null || fail "vgchange -ay"
lv="$UDM_RUNDIR/dev/vgc/lv"

head -c 8M /dev/urandom > "$E2E_TMP/flushed.bin"
timeout 60 dd if="$E2E_TMP/flushed.bin" of="$lv" bs=1M oflag=direct conv=notrunc,fsync status=none || fail "flushed write"

# Heavy writes to the rest of the LV while udmd dies under them.
( for ((i = 0; i < 1000; i++)); do
    dd if=/dev/urandom of="$lv" bs=1M seek=8 count=32 oflag=direct conv=notrunc status=none 2>/dev/null || exit 0
  done ) &
writer=$!
cleanup_fn "kill -KILL $writer"
sleep 1
kill -KILL "$UDMD_PID"
wait "$UDMD_PID" 2>/dev/null || true
UDMD_PID=
timeout 30 bash -c "while kill -0 $writer 2>/dev/null; do sleep 0.1; done" || fail "writer hung after udmd died"

# Recovery as docs/exports.md says: drop the dead FUSE mount, start again.
fusermount3 -u -z "$UDM_RUNDIR/dev" 2>/dev/null || umount -l "$UDM_RUNDIR/dev" 2>/dev/null || true
start_daemon
out=$(ulvm vgchange $D -ay vgc 2>&1) || fail "vgchange -ay after restart: $out"
timeout 60 cmp -n $((8 << 20)) "$E2E_TMP/flushed.bin" "$lv" || fail "flushed data did not survive the kill"
ulvm vgck $D vgc >/dev/null 2>&1 || fail "vgck after the kill"
ulvm vgchange $D -an vgc >/dev/null
echo PASS
