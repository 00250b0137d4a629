# A thin pool described by real lvm2's metadata activates in udm. lvm2 2.03
# refuses lvcreate of thin pools without device-mapper, so real lvm2 makes
# placeholder linear LVs, the test retypes them in lvm2's vgcfgbackup text
# (a pool over pool_tdata/pool_tmeta, thins with device ids 1 and 2 in
# transaction 2) and real vgcfgrestore writes that metadata. The test then
# formats the pool metadata with thin_restore from an XML it writes and fills
# the data blocks the XML maps; ulvm vgchange -ay activates the pool and each
# thin reads exactly what the XML and the data say (zeros elsewhere).
. "$(dirname "$0")/common.sh"
requires udmd python3 lvm losetup thin_restore thin_check
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
FA="$E2E_TMP/a.img"
sparse_file "$FA" 100M
L=$(attach_loop "$FA")
CFG=$(lvm_cfg "$L")
R() { lvm "$@" --config "$CFG" >>"$E2E_TMP/lvm.log" 2>&1 || fail "lvm $*: $(tail -5 "$E2E_TMP/lvm.log")"; }
R pvcreate "$L"
R vgcreate tv "$L"
R lvcreate -an -Zn -Wn -l 10 -n pool tv
R lvcreate -an -Zn -Wn -l 1 -n meta tv
R vgcfgbackup -f "$E2E_TMP/tv.vg" tv
python3 - "$E2E_TMP/tv.vg" <<'PY'
import re, sys, random, string
p = sys.argv[1]
t = open(p).read()
def newid():
    a = string.ascii_letters + string.digits
    s = ''.join(random.choice(a) for _ in range(32))
    return '-'.join([s[:6], s[6:10], s[10:14], s[14:18], s[18:22], s[22:26], s[26:]])
def lv_block(name):
    m = re.search(r'\n(\t\t%s \{\n.*?\n\t\t\}\n)' % name, t, re.S)
    return m.group(1)
pool = lv_block('pool'); meta = lv_block('meta')
hdr = lambda b: b.split('\t\t\tsegment_count')[0]
tdata = pool.replace('\t\tpool {', '\t\tpool_tdata {').replace('"VISIBLE"', '').replace(', ]', ']').replace('"WRITE", ', '"WRITE"')
tdata = re.sub(r'id = "[^"]*"', 'id = "%s"' % newid(), tdata, 1)
tmeta = meta.replace('\t\tmeta {', '\t\tpool_tmeta {').replace(', "VISIBLE"', '')
def virt(name, body, count):
    b = re.sub(r'id = "[^"]*"', 'id = "%s"' % newid(), hdr(pool), 1).replace('\t\tpool {', '\t\t%s {' % name)
    return b + ('\t\t\tsegment_count = 1\n\n\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = %d\n\n'
                '\t\t\t\ttype = %s\n\t\t\t}\n\t\t}\n') % (count, body)
newpool = hdr(pool) + ('\t\t\tsegment_count = 1\n\n\t\t\tsegment1 {\n\t\t\t\tstart_extent = 0\n\t\t\t\textent_count = 10\n\n'
    '\t\t\t\ttype = "thin-pool"\n\t\t\t\tmetadata = "pool_tmeta"\n\t\t\t\tpool = "pool_tdata"\n\t\t\t\ttransaction_id = 2\n'
    '\t\t\t\tchunk_size = 128\n\t\t\t\tdiscards = "passdown"\n\t\t\t}\n\t\t}\n')
thin1 = virt('thin1', '"thin"\n\t\t\t\tthin_pool = "pool"\n\t\t\t\ttransaction_id = 0\n\t\t\t\tdevice_id = 1', 4)
thin2 = virt('thin2', '"thin"\n\t\t\t\tthin_pool = "pool"\n\t\t\t\ttransaction_id = 1\n\t\t\t\tdevice_id = 2', 2)
t = t.replace(pool, newpool + thin1 + thin2).replace(meta, tdata + tmeta)
open(p, 'w').write(t)
PY
R vgcfgrestore --force -f "$E2E_TMP/tv.vg" tv
R vgck tv
lvm lvs -a --noheadings -o lv_name,segtype,pool_lv,transaction_id,thin_id tv --config "$CFG" 2>/dev/null > "$E2E_TMP/real.lvs"
grep -q "thin1 *thin *pool *0 *1" "$E2E_TMP/real.lvs" || fail "lvm2 does not see thin1: $(cat "$E2E_TMP/real.lvs")"
detach_loop "$L"

# Where the pool's sub-LVs live on the PV (pe_start 1 MiB, 4 MiB extents).
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = $FA" > "$UDM_LVM_CONFIG"
pe_of() { ulvm lvs -a --noheadings -o devices "tv/$1" | sed 's/.*(\([0-9]*\)).*/\1/'; }
expect_eq "$(ulvm lvs -a --noheadings -o lv_name,segtype,pool_lv,transaction_id,thin_id tv)" "$(cat "$E2E_TMP/real.lvs")" "ulvm lvs"
META_PE=$(pe_of pool_tmeta); DATA_PE=$(pe_of pool_tdata)
# thin1 (4 extents = 256 blocks): blocks 0-1 -> data 0-1, block 100 -> 7;
# thin2: block 3 -> data 2, block 31 -> 7 (shared with thin1).
cat > "$E2E_TMP/in.xml" <<'XML'
<superblock uuid="" time="1" transaction="2" flags="0" version="2" data_block_size="128" nr_data_blocks="640">
  <device dev_id="1" mapped_blocks="3" transaction="0" creation_time="0" snap_time="1">
    <range_mapping origin_begin="0" data_begin="0" length="2" time="0"/>
    <single_mapping origin_block="100" data_block="7" time="1"/>
  </device>
  <device dev_id="2" mapped_blocks="2" transaction="1" creation_time="1" snap_time="1">
    <single_mapping origin_block="3" data_block="2" time="1"/>
    <single_mapping origin_block="31" data_block="7" time="1"/>
  </device>
</superblock>
XML
truncate -s 4M "$E2E_TMP/meta"
thin_restore -i "$E2E_TMP/in.xml" -o "$E2E_TMP/meta" >/dev/null || fail "thin_restore"
head -c $((8 * 65536)) /dev/urandom > "$E2E_TMP/blocks"
python3 - "$FA" "$E2E_TMP/meta" "$E2E_TMP/blocks" "$META_PE" "$DATA_PE" <<'PY'
import sys
pv, meta, blocks, mpe, dpe = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
with open(pv, 'r+b') as f:
    f.seek((1 << 20) + mpe * (4 << 20)); f.write(open(meta, 'rb').read())
    f.seek((1 << 20) + dpe * (4 << 20)); f.write(open(blocks, 'rb').read())
PY

start_daemon
expect_out '  3 logical volume(s) in volume group "tv" now active' ulvm vgchange -ay tv
F="$UDM_RUNDIR/dev/tv"
for t in thin1 thin2; do for ((i=0; i<100; i++)); do [ -e "$F/$t" ] && break; sleep 0.05; done; done
python3 - "$F/thin1" "$F/thin2" "$E2E_TMP/blocks" <<'PY' || fail "thin LVs read other bytes than the XML and data say"
import sys
B = 65536
data = open(sys.argv[3], 'rb').read()
blk = lambda n: data[n * B:(n + 1) * B]
want = {sys.argv[1]: (256, {0: 0, 1: 1, 100: 7}), sys.argv[2]: (128, {3: 2, 31: 7})}
for path, (nblocks, m) in want.items():
    got = open(path, 'rb').read()
    assert len(got) == nblocks * B, (path, len(got))
    for b in range(nblocks):
        exp = blk(m[b]) if b in m else bytes(B)
        assert got[b * B:(b + 1) * B] == exp, (path, b)
PY
expect_eq "$(ulvm lvs --noheadings -o data_percent tv/pool | tr -d ' ')" "0.62" "pool Data% (4 of 640 blocks)"
# A new thin in udm continues lvm2's numbering: device 3, transaction 3.
expect_out '  Logical volume "thin3" created.' ulvm lvcreate -T tv/pool -V 4M -n thin3
expect_eq "$(ulvm lvs --noheadings -o transaction_id,thin_id tv/thin3 | xargs)" "2 3" "thin3 ids"
expect_eq "$(ulvm lvs --noheadings -o transaction_id tv/pool | xargs)" "3" "pool transaction id"
ulvm vgchange -an tv >/dev/null || fail "vgchange -an"
python3 - "$FA" "$E2E_TMP/meta2" "$META_PE" <<'PY'
import sys
with open(sys.argv[1], 'rb') as f:
    f.seek((1 << 20) + int(sys.argv[3]) * (4 << 20)); open(sys.argv[2], 'wb').write(f.read(4 << 20))
PY
thin_check "$E2E_TMP/meta2" >/dev/null 2>&1 || fail "thin_check after udm: $(thin_check "$E2E_TMP/meta2" 2>&1)"
echo PASS
