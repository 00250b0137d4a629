# Thin LVs over an external origin (lvm2's `lvcreate -s --thinpool POOL
# VG/EXT`): lvm2's checks (a writable or active EXT is refused), the LV the
# size of EXT reading EXT's bytes where nothing was written, writes going to
# the pool and never to EXT; lvm2's device stack (VG-EXT-real read-only, the
# thin's table naming it, VG-EXT a linear over it); lvs' attr/origin fields;
# EXT cannot be resized and lvremove of EXT asks and takes its thins with it;
# real lvm2 reads the VG (vgck, lvs origin) ulvm wrote.
. "$(dirname "$0")/common.sh"
requires udmd lvm cmp losetup
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
vg0_on_file 200M
start_daemon
F="$UDM_RUNDIR/dev"
wait_file() { for ((i=0; i<100; i++)); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "no $1"; }

ulvm lvcreate --type thin-pool -L 40M -n pool vg0 >/dev/null 2>&1 || fail "pool"
ulvm lvcreate -L 8M -n ext vg0 >/dev/null 2>&1 || fail "ext"
wait_file "$F/vg0/ext"
head -c 8M /dev/urandom > "$E2E_TMP/base"
dd if="$E2E_TMP/base" of="$F/vg0/ext" bs=1M conv=notrunc,fsync status=none || fail "write ext"

expect_fail 5 '  Cannot use writable LV as the external origin.' ulvm lvcreate -s --thinpool vg0/pool vg0/ext -n t1
ulvm lvchange -pr vg0/ext >/dev/null 2>&1 || fail "lvchange -pr"
expect_fail 5 '  Cannot use active LV for the external origin.' ulvm lvcreate -s --thinpool vg0/pool vg0/ext -n t1
ulvm lvchange -an vg0/ext || fail "lvchange -an ext"
expect_out '  Logical volume "t1" created.' ulvm lvcreate -s --thinpool vg0/pool vg0/ext -n t1
# lvcreate -s sets activation skip, as for any snapshot: -K activates.
ulvm lvchange -ay -K vg0/t1 || fail "activate t1"
wait_file "$F/vg0/t1"
cmp "$F/vg0/t1" "$E2E_TMP/base" || fail "t1 does not read ext's bytes"
expect_eq "$(udmsetup table vg0-ext-real | cut -d' ' -f1-3)" "0 16384 linear" "ext-real table"
real=$(udmsetup info -c --noheadings -o major,minor vg0-ext-real | tr -d ' ')
tp=$(udmsetup info -c --noheadings -o major,minor vg0-pool-tpool | tr -d ' ')
expect_eq "$(udmsetup table vg0-t1)" "0 16384 thin $tp 1 $real" "t1 table"
udmsetup info vg0-ext-real | grep -q "^State: *ACTIVE (READ-ONLY)" || fail "ext-real not read-only: $(udmsetup info vg0-ext-real)"

# Writes go to the pool; EXT keeps its bytes.
head -c 64K /dev/urandom > "$E2E_TMP/w"
dd if="$E2E_TMP/w" of="$F/vg0/t1" bs=64K seek=3 conv=notrunc,fsync status=none || fail "write t1"
cp "$E2E_TMP/base" "$E2E_TMP/expect"
dd if="$E2E_TMP/w" of="$E2E_TMP/expect" bs=64K seek=3 conv=notrunc status=none
cmp "$F/vg0/t1" "$E2E_TMP/expect" || fail "t1 after a write"
ulvm lvchange -ay vg0/ext || fail "activate ext"
wait_file "$F/vg0/ext"
cmp "$F/vg0/ext" "$E2E_TMP/base" || fail "a write to t1 changed ext"
expect_eq "$(udmsetup table vg0-ext)" "0 16384 linear $real 0" "ext over its -real layer"

expect_out '  ext  ori-a----- 8.00m                  
  t1   Vwi-a-tz-k 8.00m pool ext    8.00m' ulvm lvs --noheadings -o lv_name,lv_attr,lv_size,pool_lv,origin,origin_size vg0/ext vg0/t1
expect_fail 5 '  Cannot resize external origin logical volume vg0/ext.' ulvm lvextend -L +4M vg0/ext

# Real lvm2 reads what ulvm wrote.
L=$(attach_loop -r "$A")
CFG=$(lvm_cfg "$L")
lvm vgck --config "$CFG" vg0 2>"$E2E_TMP/vgck.err" || fail "real vgck: $(cat "$E2E_TMP/vgck.err")"
expect_eq "$(lvm lvs --config "$CFG" --noheadings -o lv_name,origin,origin_size vg0/t1 2>/dev/null)" "  t1   ext    8.00m" "real lvs t1"
expect_eq "$(lvm lvs --config "$CFG" --noheadings -o lv_attr vg0/ext 2>/dev/null | cut -c3)" "o" "real lvs ext attr"
detach_loop "$L"

# lvremove of EXT asks, then takes its thins with it.
ulvm lvchange -an vg0/t1 vg0/ext || fail "deactivate"
printf 'n\n' | ulvm lvremove vg0/ext >"$E2E_TMP/out" 2>"$E2E_TMP/err" && fail "lvremove ext answered n succeeded"
grep -qF 'Removing external origin vg0/ext will remove 1 dependent volume(s). Proceed? [y/n]: ' "$E2E_TMP/out" "$E2E_TMP/err" ||
  fail "no question: $(cat "$E2E_TMP/out" "$E2E_TMP/err")"
ulvm lvs vg0/t1 >/dev/null 2>&1 || fail "t1 gone after n"
ulvm lvremove -f vg0/ext >"$E2E_TMP/out" 2>&1 || fail "lvremove -f ext: $(cat "$E2E_TMP/out")"
grep -q 'Logical volume "t1" successfully removed' "$E2E_TMP/out" || fail "t1 not removed: $(cat "$E2E_TMP/out")"
ulvm lvs vg0/ext >"$E2E_TMP/lvs" 2>&1 && fail "ext still there: $(cat "$E2E_TMP/out" "$E2E_TMP/lvs")"
udmsetup ls | grep -q "vg0-ext" && fail "ext devices left: $(udmsetup ls)"
exit 0
