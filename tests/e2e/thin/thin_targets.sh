#!/usr/bin/env bash
# thin-pool and thin through udmd and udmsetup on files, judged by the real
# thin-provisioning-tools: a workload of writes, a snapshot of a suspended
# origin, more writes, discards and a delete; then thin_check is clean,
# thin_dump shows exactly the blocks an independent model says were written
# (each data block holding the bytes written there, unwritten snapshot blocks
# shared), and every thin reads back what was written. Then a pool made by
# thin_restore from an XML this test writes opens in udm and reads back.
. "$UDM_E2E_LIB"
requires thin_check thin_dump thin_restore python3 fallocate
here=$(dirname "$0")
model="python3 $here/thin_model.py"
cd "$E2E_TMP"
start_daemon

truncate -s 8M meta
truncate -s 64M data          # 1024 blocks of 64 KiB
SECT=$((64 * 1024 * 1024 / 512))
THIN=$((16 * 1024 * 1024 / 512))  # 256 blocks
udmsetup create pool --table "0 $SECT thin-pool $PWD/meta $PWD/data 128 0"
cleanup_fn "udmsetup remove -f pool"
POOL=$(udmsetup info -c --noheadings -o major,minor pool | tr -d ' ')
expect_eq "$(udmsetup table pool)" "0 $SECT thin-pool $PWD/meta $PWD/data 128 0 0 " "pool table"
expect_eq "$(udmsetup status pool | cut -d' ' -f4,6-)" "0 0/1024 - rw discard_passdown queue_if_no_space - 512 " "new pool status"

udmsetup message pool 0 "create_thin 0"
not udmsetup message pool 0 "create_thin 0" 2>/dev/null
udmsetup create thin0 --table "0 $THIN thin $POOL 0"
cleanup_fn "udmsetup remove -f thin0"
expect_eq "$(udmsetup status thin0)" "0 $THIN thin 0 -" "empty thin status"
expect_eq "$(udmsetup table thin0)" "0 $THIN thin $POOL 0" "thin table"
F0=$UDM_RUNDIR/dev/mapper/thin0
$model readback st 0 "$F0" || fail "new thin does not read zeros"

$model write st 0 "$F0" 1 150
$model readback st 0 "$F0" || fail "thin0 after writes"

udmsetup suspend thin0
udmsetup message pool 0 "create_snap 1 0"
udmsetup resume thin0
$model snap st 1 0
udmsetup create snap1 --table "0 $THIN thin $POOL 1"
cleanup_fn "udmsetup remove -f snap1"
F1=$UDM_RUNDIR/dev/mapper/snap1

# readback_all WHEN: thin0 and snap1 read what the model says.
readback_all() {
  $model readback st 0 "$F0" || fail "thin0 $1"
  $model readback st 1 "$F1" || fail "snap1 $1"
}
# judge WHEN: with the devices removed, thin_check is clean and thin_dump
# shows the model's mappings.
judge() {
  udmsetup remove snap1 thin0 pool
  thin_check meta > check.log 2>&1 || { cat check.log >&2; fail "thin_check $1"; }
  thin_dump meta > dump.xml
  $model verify st dump.xml data || fail "thin_dump differs from the model $1"
}

$model write st 0 "$F0" 2 60
$model write st 1 "$F1" 3 40
readback_all "after the snapshot and writes"

udmsetup message pool 0 "create_thin 7"
udmsetup create thin7 --table "0 $THIN thin $POOL 7"
F7=$UDM_RUNDIR/dev/mapper/thin7
$model write st 7 "$F7" 4 30
$model discard st 0 "$F0" 10 20
$model discard st 1 "$F1" 100 5
$model readback st 0 "$F0" || fail "origin after discard"
udmsetup remove thin7
udmsetup message pool 0 "delete 7"
$model delete st 7
udmsetup message pool 0 "set_transaction_id 0 42"
expect_eq "$(udmsetup status pool | cut -d' ' -f4)" "42" "transaction id"
used=$(udmsetup status pool | cut -d' ' -f6 | cut -d/ -f1)

readback_all "before removal"
judge "after the workload"
grep -q 'transaction="42"' dump.xml || fail "thin_dump: transaction id"
nused=$(python3 -c "
import sys, xml.etree.ElementTree as ET
r = ET.parse('dump.xml').getroot(); s = set()
for d in r.findall('device'):
  for m in d:
    if m.tag == 'single_mapping': s.add(int(m.get('data_block')))
    else:
      b, n = int(m.get('data_begin')), int(m.get('length')); s.update(range(b, b + n))
print(len(s))")
expect_eq "$nused" "$used" "data blocks in use (pool status vs thin_dump)"

# Reactivate on the same files: every thin reads back; then grow the pool.
udmsetup create pool --table "0 $SECT thin-pool $PWD/meta $PWD/data 128 0"
udmsetup create thin0 --table "0 $THIN thin $POOL 0"
udmsetup create snap1 --table "0 $THIN thin $POOL 1"
readback_all "after reactivation"
# Grow the data device: reload the pool with the bigger file, resume.
truncate -s 96M data
truncate -s 16M meta
udmsetup suspend pool
udmsetup reload pool --table "0 $((SECT * 3 / 2)) thin-pool $PWD/meta $PWD/data 128 0"
udmsetup resume pool
expect_eq "$(udmsetup status pool | cut -d' ' -f6 | cut -d/ -f2)" "1536" "data blocks after growing"
expect_eq "$(udmsetup status pool | cut -d' ' -f5 | cut -d/ -f2)" "4096" "metadata blocks after growing"
$model write st 0 "$F0" 5 20
readback_all "after the pool grew"
judge "after growing"
grep -q 'nr_data_blocks="1536"' dump.xml || fail "thin_dump does not see the grown data device"

# A pool made by the real thin_restore.
$model restore-xml 9 pool.xml rdata
truncate -s 8M rmeta
thin_restore -i pool.xml -o rmeta > restore.log 2>&1 || { cat restore.log >&2; fail "thin_restore"; }
udmsetup create rpool --table "0 $((256 * 128)) thin-pool $PWD/rmeta $PWD/rdata 128 0"
cleanup_fn "udmsetup remove -f rpool"
RPOOL=$(udmsetup info -c --noheadings -o major,minor rpool | tr -d ' ')
expect_eq "$(udmsetup status rpool | cut -d' ' -f4)" "3" "restored transaction id"
for d in 1 2; do
  udmsetup create r$d --table "0 $((256 * 128)) thin $RPOOL $d"
  $model restore-check pool.xml rdata $d "$UDM_RUNDIR/dev/mapper/r$d" || fail "restored thin $d"
done
udmsetup remove r1 r2 rpool
thin_check rmeta > check.log 2>&1 || { cat check.log >&2; fail "thin_check of the restored pool after use"; }

# Bad metadata: the load fails, the file is not written.
truncate -s 8M bad && printf 'x' | dd of=bad bs=1 seek=100 conv=notrunc 2>/dev/null
sum=$(sha1sum < bad)
not udmsetup -vvv create bpool --table "0 $SECT thin-pool $PWD/bad $PWD/data 128 0" 2>err.txt
grep -q "thin-pool: metadata device $PWD/bad: superblock at block 0 has a bad checksum" err.txt ||
  { cat err.txt >&2; fail "bad metadata: no clear message"; }
expect_eq "$(sha1sum < bad)" "$sum" "bad metadata left alone"
echo "thin targets ok"
