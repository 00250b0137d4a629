# Thin provisioning through ulvm: a pool (with lvm2's _tmeta, _tdata and
# lvol0_pmspare), two thin LVs and a thin snapshot; data written through the
# thins' FUSE files; lvm2's device layers (VG-POOL-tpool ...); thin_check
# and thin_dump judge the pool metadata, which names the devices and the
# transaction id the VG metadata says; deactivate/reactivate reads back;
# lvremove of a thin frees its blocks (Data% drops) and advances the
# transaction id; real lvm2 accepts the VG and shows the same thin fields.
. "$(dirname "$0")/common.sh"
requires udmd python3 thin_check thin_dump
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
vg0_on_file 200M
start_daemon
F="$UDM_RUNDIR/dev"
wait_file() { for ((i=0; i<100; i++)); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "no $1"; }

expect_out '  Thin pool volume with chunk size 64.00 KiB can address at most <15.88 TiB of data.
  Logical volume "pool" created.' ulvm lvcreate --type thin-pool -L 40M -n pool vg0
expect_out '  Logical volume "thin1" created.' ulvm lvcreate -T vg0/pool -V 16M -n thin1
expect_out '  Logical volume "thin2" created.' ulvm lvcreate --thin -V 16M --thinpool pool vg0 -n thin2
udmsetup ls | sort > "$E2E_TMP/ls"
for d in vg0-pool vg0-pool-tpool vg0-pool_tdata vg0-pool_tmeta vg0-thin1 vg0-thin2; do
  grep -q "^$d\b" "$E2E_TMP/ls" || fail "no device $d: $(cat "$E2E_TMP/ls")"
done
tp=$(udmsetup info -c --noheadings -o major,minor vg0-pool-tpool | tr -d ' ')
expect_eq "$(udmsetup table vg0-thin1)" "0 32768 thin $tp 1" "thin1 table"
expect_eq "$(udmsetup table vg0-pool | cut -d' ' -f1-3,5)" "0 81920 linear 0" "pool table"
udmsetup table vg0-pool-tpool | grep -q "^0 81920 thin-pool [0-9:]* [0-9:]* 128 0 0 \?$" ||
  fail "tpool table: $(udmsetup table vg0-pool-tpool)"
expect_eq "$(udmsetup info -c --noheadings -o uuid vg0-pool-tpool)" \
  "LVM-$(ulvm vgs --noheadings -o vg_uuid vg0 | tr -d ' -')$(ulvm lvs --noheadings -o lv_uuid vg0/pool | tr -d ' -')-tpool" "tpool uuid"
expect_out '  [lvol0_pmspare] ewi-------  4.00m                  
  pool            twi-aotz-- 40.00m            2     
  [pool_tdata]    Twi-ao---- 40.00m                  
  [pool_tmeta]    ewi-ao----  4.00m                  
  thin1           Vwi-a-tz-- 16.00m pool       0    1
  thin2           Vwi-a-tz-- 16.00m pool       1    2' \
  ulvm lvs -a --noheadings -o lv_name,lv_attr,lv_size,pool_lv,transaction_id,thin_id vg0
# Percent fields are left-aligned, as lvm2's report library aligns only numbers and sizes right.
expect_out '  pool  0.00   1.07   queue                2 64.00k passdown zero
  thin1 0.00                                     0  passdown zero
  thin2 0.00                                     0  passdown zero' \
  ulvm lvs --noheadings -o lv_name,data_percent,metadata_percent,lv_when_full,thin_count,chunk_size,discards,zero vg0

# Data through the thins' FUSE files.
wait_file "$F/vg0/thin1"; wait_file "$F/vg0/thin2"
head -c 1M /dev/urandom > "$E2E_TMP/d1"; head -c 512K /dev/urandom > "$E2E_TMP/d2"
dd if="$E2E_TMP/d1" of="$F/vg0/thin1" bs=64K conv=notrunc,fsync status=none || fail "write thin1"
dd if="$E2E_TMP/d2" of="$F/vg0/thin2" bs=64K seek=64 conv=notrunc,fsync status=none || fail "write thin2"
expect_out '  pool  3.75  
  thin1 6.25  
  thin2 3.12  ' ulvm lvs --noheadings -o lv_name,data_percent vg0
ulvm lvdisplay vg0/thin1 > "$E2E_TMP/disp" || fail "lvdisplay thin1"
for l in "  LV Pool name           pool" "  LV Size                16.00 MiB" "  Mapped size            6.25%"; do
  grep -qxF "$l" "$E2E_TMP/disp" || fail "lvdisplay thin1 lacks [$l]: $(cat "$E2E_TMP/disp")"
done
ulvm lvdisplay -m vg0/pool > "$E2E_TMP/disp" || fail "lvdisplay pool"
grep -q "LV Path" "$E2E_TMP/disp" && fail "a thin pool has no LV Path line"
for l in "  LV Pool metadata       pool_tmeta" "  LV Pool data           pool_tdata" "  Allocated pool data    3.75%" \
         "    Type		thin-pool" "    Chunk size		64.00 KiB" "    Thin count		2" "    Transaction ID	2"; do
  grep -qxF "$(printf "%b" "$l")" "$E2E_TMP/disp" || fail "lvdisplay -m pool lacks [$l]: $(cat "$E2E_TMP/disp")"
done

# A thin snapshot of thin1 (lvm2 marks it to skip activation), then thin1 changes.
# 48 MiB of thin LVs on a 40 MiB pool: lvm2's overprovisioning warnings.
expect_out '  WARNING: You have not turned on protection against thin pools running out of space.
  WARNING: Set activation/thin_pool_autoextend_threshold below 100 to trigger automatic extension of thin pools before they get full.
  Logical volume "snap1" created.' ulvm lvcreate -s vg0/thin1 -n snap1
expect_eq "$(cat "$E2E_TMP/stderr")" '  WARNING: Sum of all thin volume sizes (48.00 MiB) exceeds the size of thin pool vg0/pool (40.00 MiB).' "overprovisioning warning"
expect_out '  snap1 Vwi---tz-k pool thin1        2    3' \
  ulvm lvs --noheadings -o lv_name,lv_attr,pool_lv,origin,transaction_id,thin_id vg0/snap1
head -c 64K /dev/urandom > "$E2E_TMP/new"
dd if="$E2E_TMP/new" of="$F/vg0/thin1" bs=64K conv=notrunc,fsync status=none || fail "overwrite thin1"
expect_eq "$(ulvm lvs --noheadings -o transaction_id vg0/pool | tr -d ' ')" 3 "pool transaction id"

# Deactivated, the pool metadata (read from the _tmeta extents) is clean.
expect_out '  0 logical volume(s) in volume group "vg0" now active' ulvm vgchange -an vg0
[ -z "$(udmsetup ls | grep vg0)" ] || fail "devices left: $(udmsetup ls)"
meta_pe=$(ulvm lvs -a --noheadings -o devices vg0/pool_tmeta | sed 's/.*(\([0-9]*\)).*/\1/')
dd if="$A" of="$E2E_TMP/meta" bs=4M skip=$(( (1048576 + meta_pe * 4194304) / 4194304 )) count=1 status=none 2>/dev/null
# pe_start is 1 MiB: copy by bytes.
python3 - "$A" "$E2E_TMP/meta" "$meta_pe" <<'PY'
import sys
src, dst, pe = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, 'rb') as f:
    f.seek((1 << 20) + pe * (4 << 20)); data = f.read(4 << 20)
open(dst, 'wb').write(data)
PY
thin_check "$E2E_TMP/meta" > "$E2E_TMP/check" 2>&1 || fail "thin_check: $(cat "$E2E_TMP/check")"
thin_dump "$E2E_TMP/meta" > "$E2E_TMP/dump.xml" || fail "thin_dump"
grep -q 'transaction="3"' "$E2E_TMP/dump.xml" || fail "thin_dump transaction: $(head -1 "$E2E_TMP/dump.xml")"
expect_eq "$(grep -o 'dev_id="[0-9]*"' "$E2E_TMP/dump.xml" | tr '\n' ' ')" 'dev_id="1" dev_id="2" dev_id="3" ' "thin_dump devices"

# Reactivated (snap1 skipped, as lvm2 does), everything reads back.
expect_out '  3 logical volume(s) in volume group "vg0" now active' ulvm vgchange -ay vg0
ulvm lvchange -ay vg0/snap1 >/dev/null || fail "lvchange -ay snap1"
[ -e "$F/vg0/snap1" ] && fail "snap1 activated without -K"
ulvm lvchange -ay -K vg0/snap1 >/dev/null || fail "lvchange -ay -K snap1"
wait_file "$F/vg0/thin1"; wait_file "$F/vg0/snap1"
cmp -n 65536 "$F/vg0/thin1" "$E2E_TMP/new" || fail "thin1 first chunk"
cmp -i 65536 -n $((1048576 - 65536)) "$F/vg0/thin1" "$E2E_TMP/d1" || fail "thin1 rest"
cmp -n 1048576 "$F/vg0/snap1" "$E2E_TMP/d1" || fail "snap1 keeps the old data"
cmp -i 0:4194304 -n 524288 "$E2E_TMP/d2" "$F/vg0/thin2" || fail "thin2 data"
[ "$(head -c 1M "$F/vg0/thin2" | tr -d '\0' | wc -c)" == 0 ] || fail "thin2 unwritten part is not zero"

# lvremove of a thin: delete message, transaction id + 1, its blocks freed.
before=$(ulvm lvs --noheadings -o data_percent vg0/pool | tr -d ' ')
expect_out '  Logical volume "thin2" successfully removed.' ulvm lvremove -y vg0/thin2
after=$(ulvm lvs --noheadings -o data_percent vg0/pool | tr -d ' ')
python3 -c "import sys; sys.exit(0 if float('$after') < float('$before') else 1)" || fail "Data% $before -> $after"
expect_eq "$(ulvm lvs --noheadings -o transaction_id vg0/pool | tr -d ' ')" 4 "transaction id after delete"
grep -q message "$UDM_LVM_CONFDIR/backup/vg0" 2>/dev/null && fail "a message left in the metadata"

# Real lvm2 accepts the VG and shows the same thin fields.
if command -v lvm >/dev/null && [ "$(id -u)" == 0 ]; then
  ulvm vgchange -an vg0 >/dev/null || fail "vgchange -an"
  L=$(attach_loop -r "$A")
  CFG=$(lvm_cfg "$L")
  lvm vgck vg0 --config "$CFG" 2>"$E2E_TMP/lvm.err" || fail "vgck: $(cat "$E2E_TMP/lvm.err")"
  grep -v "Activation disabled" "$E2E_TMP/lvm.err" | grep . && fail "lvm2 vgck complained"
  for f in lv_name,segtype,pool_lv,transaction_id,thin_id lv_name,origin,chunk_size,discards,zero,thin_count,lv_when_full; do
    real=$(lvm lvs -a --noheadings -o $f vg0 --config "$CFG" 2>/dev/null)
    ours=$(ulvm lvs -a --noheadings -o $f vg0 --devices "$L")
    [ "$real" == "$ours" ] || fail "lvs -o $f differs:
lvm2:
$real
ulvm:
$ours"
  done
  # The metadata text itself, as both write it (vgcfgbackup, header cut).
  lvm vgcfgbackup -f "$E2E_TMP/real.vg" vg0 --config "$CFG" >/dev/null 2>&1 || fail "lvm vgcfgbackup"
  ulvm vgcfgbackup -f "$E2E_TMP/ours.vg" vg0 --devices "$L" >/dev/null || fail "ulvm vgcfgbackup"
  diff <(sed -n '/^vg0 {/,$p' "$E2E_TMP/real.vg" | grep -v 'device = ') \
       <(sed -n '/^vg0 {/,$p' "$E2E_TMP/ours.vg" | grep -v 'device = ') > "$E2E_TMP/vg.diff" ||
    fail "vgcfgbackup text differs: $(cat "$E2E_TMP/vg.diff")"
  detach_loop "$L"
fi
# vgremove -f takes the pool, its thins and sub-LVs, active or not.
ulvm vgchange -ay vg0 >/dev/null || fail "vgchange -ay before vgremove"
ulvm vgremove -f vg0 > "$E2E_TMP/out" 2>&1 || fail "vgremove: $(cat "$E2E_TMP/out")"
[ -z "$(udmsetup ls | grep vg0)" ] || fail "devices left after vgremove: $(udmsetup ls)"
echo PASS
