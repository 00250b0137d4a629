#!/usr/bin/env bash
# udm's thin pool metadata judged by the real thin-provisioning-tools:
# thin_check finds nothing wrong with what udm writes, thin_dump shows exactly
# the mappings udm's workload made, metadata thin_restore wrote opens in udm
# with the same mappings and stays clean after udm changes it.
. "$UDM_E2E_LIB"
requires thin_check thin_dump thin_restore python3 udm-thin-meta
here=$(dirname "$0")
cd "$E2E_TMP"

# same_mappings EXPECTED META [thin_dump args]: thin_dump's mappings equal EXPECTED.
same_mappings() {
  thin_dump "${@:3}" "$2" > dump.xml
  python3 "$here/xml_mappings.py" dump.xml > dumped.txt
  diff -u "$1" dumped.txt > diff.txt || { head -20 diff.txt >&2; fail "thin_dump of $2 differs from $1"; }
}
clean() {
  thin_check "$1" > check.log 2>&1 || { cat check.log >&2; fail "thin_check $1"; }
  udm-thin-meta verify "$1" || fail "udm-thin-meta verify $1"  # data counts too
}

# 1. A new pool, a random workload, the tools' verdict.
truncate -s 64M meta
udm-thin-meta format meta 128 200000
clean meta
udm-thin-meta workload meta 1 30000 > expected1.txt
[ "$(grep -c '^map' expected1.txt)" -gt 10000 ] || fail "workload made too few mappings"
clean meta
same_mappings expected1.txt meta
udm-thin-meta dump meta > udm1.txt
diff -u expected1.txt udm1.txt || fail "udm reads back other mappings than it wrote"

# 2. Reopen and go on: trees that already exist, more snapshots, removals.
udm-thin-meta workload meta 2 30000 > expected2.txt
clean meta
same_mappings expected2.txt meta

# 3. A held metadata snapshot keeps the old view for thin_dump -m.
echo reserve_snap | udm-thin-meta script meta
udm-thin-meta info meta | grep -q 'held_root [1-9]' || fail "no held root after reserve_snap"
udm-thin-meta workload meta 3 10000 > expected3.txt
clean meta
same_mappings expected3.txt meta
same_mappings expected2.txt meta -m
echo release_snap | udm-thin-meta script meta
udm-thin-meta info meta | grep -q 'held_root 0' || fail "held root still set after release_snap"
clean meta
same_mappings expected3.txt meta

# 3b. Growing the data and the metadata device.
echo resize_data 500000 | udm-thin-meta script meta
truncate -s 128M meta
echo resize_meta 32768 | udm-thin-meta script meta
udm-thin-meta info meta | grep -q '^data [0-9]*/500000$' || fail "data device not resized"
udm-thin-meta info meta | grep -q '^metadata [0-9]*/32768$' || fail "metadata device not resized"
udm-thin-meta workload meta 7 5000 > expected3.txt
clean meta
same_mappings expected3.txt meta
grep -q 'nr_data_blocks="500000"' dump.xml || fail "thin_dump does not see the new data size"

# 4. thin_restore writes, udm reads the same mappings, changes them, stays clean.
python3 "$here/make_xml.py" 4 > in.xml
python3 "$here/xml_mappings.py" in.xml > restored.txt
truncate -s 32M rmeta
thin_restore -i in.xml -o rmeta > /dev/null
udm-thin-meta dump rmeta > udm4.txt
diff -u restored.txt udm4.txt || fail "udm reads other mappings than thin_restore wrote"
udm-thin-meta info rmeta | grep -q '^transaction 11$' || fail "transaction id from thin_restore not read"
udm-thin-meta workload rmeta 5 20000 > expected5.txt
clean rmeta
same_mappings expected5.txt rmeta

# 5. Bad metadata is refused and left as it was.
cp meta bad
printf '\xff' | dd of=bad bs=1 seek=100 conv=notrunc 2>/dev/null
sum=$(md5sum < bad)
not udm-thin-meta workload bad 6 10 2> err.txt
grep -q 'superblock at block 0 has a bad checksum' err.txt || { cat err.txt >&2; fail "wrong error for a bad superblock"; }
[ "$(md5sum < bad)" = "$sum" ] || fail "udm wrote over bad metadata"
echo needs_check | udm-thin-meta script meta
not udm-thin-meta workload meta 8 10 2> err.txt
grep -q 'needs_check flag is set' err.txt || { cat err.txt >&2; fail "needs_check not refused"; }
udm-thin-meta dump meta > udm6.txt  # read-only is fine
diff -u expected3.txt udm6.txt || fail "read-only view under needs_check differs"
thin_check --clear-needs-check-flag meta > /dev/null 2>&1
udm-thin-meta dump meta > udm6.txt
diff -u expected3.txt udm6.txt || fail "mappings changed across needs_check"
echo "thin metadata: udm and thin-provisioning-tools agree"
