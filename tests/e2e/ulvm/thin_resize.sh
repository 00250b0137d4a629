# A live thin pool grows: lvextend of its data (tdata and the -tpool table
# reloaded, the pool's data blocks grow, written data stays) and of its
# metadata (--poolmetadatasize, the spare follows); lvchange --errorwhenfull
# reloads the pool with error_if_no_space; a pool whose transaction id does
# not match the metadata refuses new thins with lvm2's error and the VG
# stays as it was; lvremove of a pool removes its thins and the spare.
. "$(dirname "$0")/common.sh"
requires udmd python3
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
vg0_on_file 200M
start_daemon
ulvm lvcreate --type thin-pool -L 40M -n pool vg0 >/dev/null || fail "lvcreate pool"
ulvm lvcreate -V 64M -T vg0/pool -n thin >/dev/null 2>&1 || fail "lvcreate thin"
F="$UDM_RUNDIR/dev/vg0/thin"
for ((i=0; i<100; i++)); do [ -e "$F" ] && break; sleep 0.05; done
head -c 2M /dev/urandom > "$E2E_TMP/d"
dd if="$E2E_TMP/d" of="$F" bs=64K conv=notrunc,fsync status=none || fail "write"
expect_out '  Size of logical volume vg0/pool_tdata changed from 40.00 MiB (10 extents) to 60.00 MiB (15 extents).
  Logical volume vg0/pool successfully resized.' ulvm lvextend -L +20M vg0/pool
udmsetup table vg0-pool-tpool | grep -q '^0 122880 thin-pool ' || fail "tpool not reloaded: $(udmsetup table vg0-pool-tpool)"
udmsetup status vg0-pool-tpool | awk '{print $6}' | grep -q '/960$' || fail "data blocks: $(udmsetup status vg0-pool-tpool)"
expect_eq "$(udmsetup table vg0-pool | awk '{print $2}')" 122880 "pool top device size"
expect_out '  Size of logical volume vg0/pool_tmeta changed from 4.00 MiB (1 extents) to 8.00 MiB (2 extents).
  Logical volume vg0/pool successfully resized.' ulvm lvextend --poolmetadatasize +4M vg0/pool
udmsetup status vg0-pool-tpool | awk '{print $5}' | grep -q '/2048$' || fail "metadata blocks: $(udmsetup status vg0-pool-tpool)"
expect_eq "$(ulvm lvs -a --noheadings -o lv_size vg0/lvol0_pmspare | xargs)" "8.00m" "spare follows the metadata"
cmp -n 2097152 "$F" "$E2E_TMP/d" || fail "data changed by the resize"
expect_eq "$(ulvm lvs --noheadings -o lv_size,data_percent vg0/pool | xargs)" "60.00m 3.33" "pool size and Data%"

expect_out '  Logical volume vg0/pool changed.' ulvm lvchange --errorwhenfull y vg0/pool
udmsetup table vg0-pool-tpool | grep -q ' 1 error_if_no_space \?$' || fail "no error_if_no_space: $(udmsetup table vg0-pool-tpool)"
expect_eq "$(ulvm lvs --noheadings -o lv_when_full vg0/pool | xargs)" "error" "lv_when_full"
ulvm lvchange --errorwhenfull n vg0/pool >/dev/null || fail "errorwhenfull n"
udmsetup table vg0-pool-tpool | grep -q ' 0 \?$' || fail "error_if_no_space left: $(udmsetup table vg0-pool-tpool)"

# The pool says another transaction id than the metadata: lvm2's error, no new LV.
udmsetup message vg0-pool-tpool 0 "set_transaction_id 1 7" || fail "message"
seq=$(ulvm vgs --noheadings -o vg_seqno vg0 | xargs)
expect_fail 5 '  Thin pool vg0-pool-tpool transaction_id is 7, while expected 1.' ulvm lvcreate -V 4M -T vg0/pool -n other
[ -z "$(ulvm lvs --noheadings -o lv_name vg0/other 2>/dev/null)" ] || fail "LV other left behind"
expect_eq "$(ulvm lvs --noheadings -o transaction_id vg0/pool | xargs)" 1 "metadata transaction id restored"
udmsetup message vg0-pool-tpool 0 "set_transaction_id 7 1" || fail "message back"

# -an: the thin is made but stays inactive, and so does the pool layer
# the message needed (the pool LV itself is active here, so -tpool stays).
ulvm lvcreate -an -V 4M -T vg0/pool -n quiet >/dev/null 2>&1 || fail "lvcreate -an"
udmsetup info vg0-quiet >/dev/null 2>&1 && fail "vg0-quiet activated with -an"
ulvm lvremove -y vg0/quiet >/dev/null || fail "lvremove quiet"

# lvremove of a pool with thins asks as lvm2 2.03.16 does (the pool by its
# VG/LV name, then each active LV), and a "n" keeps everything.
asked() {  # asked ANSWERS RC STDERR ARGS...: lvremove ARGS fed ANSWERS
  local answers="$1" rc_want="$2" err_want="$3" rc=0; shift 3
  printf "$answers" | ulvm lvremove "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
  expect_eq "$rc" "$rc_want" "lvremove $* exit code"
  expect_eq "$(cat "$E2E_TMP/err")" "$err_want" "lvremove $* asks"
  expect_eq "$(ulvm lvs --noheadings -o lv_name vg0 | xargs)" "pool thin" "lvremove $* kept the LVs"
}
asked 'n\n' 5 'Removing pool vg0/pool will remove 1 dependent volume(s). Proceed? [y/n]:   Logical volume vg0/pool not removed.' vg0/pool
asked 'y\nn\n' 5 'Removing pool vg0/pool will remove 1 dependent volume(s). Proceed? [y/n]: Do you really want to remove active logical volume vg0/thin? [y/n]:   Logical volume vg0/thin not removed.' vg0/pool
# lvremove of the pool takes its thin and the spare.
expect_out '  Logical volume "thin" successfully removed.
  Logical volume "pool" successfully removed.' ulvm lvremove -f vg0/pool
expect_eq "$(ulvm lvs -a --noheadings -o lv_name vg0 | xargs)" "" "LVs left"
[ -z "$(udmsetup ls | grep vg0)" ] || fail "devices left: $(udmsetup ls)"

# lvconvert of two existing LVs into a pool, after lvm2's warning and question.
ulvm lvcreate -L 20M -n data vg0 >/dev/null || fail "lvcreate data"
ulvm lvcreate -L 4M -n meta vg0 >/dev/null || fail "lvcreate meta"
data_id=$(ulvm lvs --noheadings -o lv_uuid vg0/data | xargs)
rc=0; echo n | ulvm lvconvert --type thin-pool vg0/data --poolmetadata meta >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
expect_eq "$rc" 5 "answered no"
expect_eq "$(cat "$E2E_TMP/err")" '  WARNING: Converting vg0/data and vg0/meta to thin pool'"'"'s data and metadata volumes with metadata wiping.
  THIS WILL DESTROY CONTENT OF LOGICAL VOLUME (filesystem etc.)
Do you really want to convert vg0/data and vg0/meta? [y/n]:   Conversion aborted.' "lvconvert question"
expect_out '  Thin pool volume with chunk size 64.00 KiB can address at most <15.88 TiB of data.
  Converted vg0/data and vg0/meta to thin pool.' ulvm lvconvert -y --type thin-pool vg0/data --poolmetadata vg0/meta
expect_out '  data            twi-a-tz-- 20.00m     
  [data_tdata]    Twi-ao---- 20.00m     
  [data_tmeta]    ewi-ao----  4.00m     
  [lvol0_pmspare] ewi-------  4.00m     ' ulvm lvs -a --noheadings -o lv_name,lv_attr,lv_size,pool_lv vg0
expect_eq "$(ulvm lvs -a --noheadings -o lv_uuid vg0/data_tdata | xargs)" "$data_id" "data LV keeps its id"
expect_out '  Logical volume "t" created.' ulvm lvcreate -T vg0/data -V 8M -n t
F="$UDM_RUNDIR/dev/vg0/t"
for ((i=0; i<100; i++)); do [ -e "$F" ] && break; sleep 0.05; done
head -c 1M /dev/urandom > "$E2E_TMP/t"
dd if="$E2E_TMP/t" of="$F" bs=64K conv=notrunc,fsync status=none || fail "write t"
cmp -n 1048576 "$F" "$E2E_TMP/t" || fail "t reads back"
expect_eq "$(ulvm lvs --noheadings -o data_percent vg0/data | xargs)" "5.00" "converted pool Data%"

# A full pool that errors when full: lvm2's 'D' in lv_attr and out_of_data health.
ulvm lvchange --errorwhenfull y vg0/data >/dev/null || fail "errorwhenfull"
ulvm lvcreate -T vg0/data -V 24M -n big >/dev/null 2>&1 || fail "lvcreate big"
F="$UDM_RUNDIR/dev/vg0/big"
for ((i=0; i<100; i++)); do [ -e "$F" ] && break; sleep 0.05; done
dd if=/dev/urandom of="$F" bs=1M count=24 conv=notrunc,fsync status=none 2>/dev/null && fail "writing past the pool's end succeeded"
expect_eq "$(ulvm lvs --noheadings -o lv_attr,data_percent,lv_health_status vg0/data | xargs)" "twi-aotzD- 100.00 out_of_data" "full pool"
# lvremove VG: the pool first (it asks), then its thins; -f takes all.
asked_vg() {
  local rc=0
  printf 'n\nn\nn\n' | ulvm lvremove vg0 >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
  expect_eq "$rc" 5 "lvremove vg0 answered no"
  expect_eq "$(head -c 90 "$E2E_TMP/err")" 'Removing pool vg0/data will remove 2 dependent volume(s). Proceed? [y/n]:   Logical volume' "lvremove vg0 asks"
  expect_eq "$(ulvm lvs --noheadings -o lv_name vg0 | xargs)" "big data t" "lvremove vg0 answered no kept the LVs"
}
asked_vg
expect_out '  Logical volume "t" successfully removed.
  Logical volume "big" successfully removed.
  Logical volume "data" successfully removed.' ulvm lvremove -f vg0
expect_eq "$(ulvm lvs -a --noheadings -o lv_name vg0 | xargs)" "" "lvremove -f vg0 left LVs"
echo PASS
