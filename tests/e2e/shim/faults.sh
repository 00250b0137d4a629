# The fault targets end to end: real dmsetup loads dust and flakey into udmd,
# and I/O through the device node (a symlink to the FUSE file) sees the faults.
. "$UDM_E2E_LIB"
. "$(dirname "$0")/shim_lib.sh"
[ -e /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }

img="$E2E_TMP/a.img"
sparse_file "$img" 16M
nodes="$UDM_RUNDIR/devdir/mapper"
rd() { dd if="$1" of=/dev/null bs=4096 skip="$2" count=1 iflag=direct status=none 2>"$E2E_TMP/dd.err"; }
wr() { dd if=/dev/zero of="$1" bs=4096 seek="$2" count=1 oflag=direct conv=notrunc status=none 2>"$E2E_TMP/dd.err"; }
wait_node() { for _ in $(seq 50); do [ -e "$1" ] && return 0; sleep 0.1; done; fail "no $1"; }

# dust: 4 KiB blocks; block 3 bad, block 5 fails two writes first.
D create dusty --table "0 32768 dust $img 0 4096"
wait_node "$nodes/dusty"
D message dusty 0 addbadblock 3
D message dusty 0 addbadblock 5 2
rd "$nodes/dusty" 3 || fail "read failed while dust is disabled"
D message dusty 0 enable
not rd "$nodes/dusty" 3
grep -q "Input/output error" "$E2E_TMP/dd.err" || fail "dust read error: $(cat "$E2E_TMP/dd.err")"
rd "$nodes/dusty" 4 || fail "good block failed"
wr "$nodes/dusty" 3 || fail "write to a bad block (no fail count) failed"
rd "$nodes/dusty" 3 || fail "block 3 still bad after a write"
not wr "$nodes/dusty" 5
not wr "$nodes/dusty" 5
wr "$nodes/dusty" 5 || fail "third write to block 5 failed"
expect_eq "$(D message dusty 0 countbadblocks)" "countbadblocks: 0 badblock(s) found" "bad blocks left"
D remove dusty

# flakey: always down (0 s up) with error_reads: reads fail, writes land.
D create fl --table "0 32768 flakey $img 0 0 3600 1 error_reads"
wait_node "$nodes/fl"
expect_eq "$(D table fl)" "0 32768 flakey $img 0 0 3600 1 error_reads" "flakey table"
not rd "$nodes/fl" 1
printf 'flakey-write' | dd of="$nodes/fl" bs=4096 seek=2 conv=notrunc,sync oflag=direct status=none
expect_eq "$(dd if="$img" bs=4096 skip=2 count=1 status=none | tr -d '\0')" "flakey-write" "write through flakey"
# Reload to always up: reads work again.
D load fl --table "0 32768 flakey $img 0 3600 1"
D resume fl
rd "$nodes/fl" 1 || fail "read failed while flakey is up"
D remove fl

# delay: status counts held I/O while a read is held.
D create slow --table "0 32768 delay $img 0 1500"
wait_node "$nodes/slow"
expect_eq "$(D status slow)" "0 32768 delay 0 0 0" "delay idle status"
( rd "$nodes/slow" 7 ) & reader=$!
held=""
for _ in $(seq 40); do
  s=$(D status slow)
  # (flushes from the FUSE file's open and close may be held too)
  [[ "$s" =~ ^"0 32768 delay 1 "[0-9]+" "[0-9]+$ ]] && { held=$s; break; }
  sleep 0.05
done
wait $reader || fail "delayed read failed"
[ -n "$held" ] || fail "status never showed the held read"
D remove slow
echo PASS
