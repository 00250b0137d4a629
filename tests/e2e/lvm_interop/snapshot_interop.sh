#!/bin/bash
# Old-style snapshots between ulvm and real lvm2 (on loop devices, lvm2 with
# activation off):
#   A. a VG with a snapshot made by ulvm passes real vgck, and real lvs shows
#      the same origin/snapshot relation, attributes and lvdisplay lines;
#   B. a snapshot described by real lvm2's metadata (lvconvert -s of an LV
#      whose COW header this test zeroes) activates in udm: the snapshot
#      reads the origin's data where it has no exception, and keeps it when
#      the origin changes.
. "$(dirname "$0")/../ulvm/common.sh"
requires lvm losetup udmd udmsetup md5sum
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
sparse_file "$E2E_TMP/a.img" 64M; sparse_file "$E2E_TMP/b.img" 64M
A=$(attach_loop "$E2E_TMP/a.img"); B=$(attach_loop "$E2E_TMP/b.img")
CFG=$(lvm_cfg "$A" "$B")
L() { lvm "$@" --config "$CFG" 2>"$E2E_TMP/lvm.err" || fail "lvm $*: $(cat "$E2E_TMP/lvm.err")"; }
clean_stderr() { grep -v -e "Activation disabled" -e "NOT backed up" "$E2E_TMP/lvm.err" | grep . && fail "lvm2 complained: $1"; true; }
U() { ulvm "$@" --devices "$A,$B"; }

# ---- A: made by ulvm, judged by lvm2
U vgcreate -q vgu "$A" >/dev/null || fail "ulvm vgcreate"
U lvcreate -an -L 12M -n origin vgu >/dev/null || fail "ulvm lvcreate"
expect_out '  Logical volume "snap" created.' U lvcreate -s -L 8M -n snap vgu/origin
expect_out '  Logical volume "lvol0" created.' U lvcreate -s -l 1 -c 16k vgu/origin
L vgck vgu; clean_stderr vgck
for opts in "-o lv_name,origin,lv_attr" "-a -o lv_name,origin,lv_attr,lv_size,lv_role,lv_layout" "" "-o+snap_percent,data_percent"; do
  real=$(L lvs $opts vgu); clean_stderr "lvs $opts"
  ours=$(U lvs $opts vgu) || fail "ulvm lvs $opts"
  [ "$real" == "$ours" ] || fail "lvs $opts differs:
lvm2:
$real
ulvm:
$ours"
done
real=$(L lvdisplay vgu); ours=$(U lvdisplay vgu)
[ "$real" == "$ours" ] || fail "lvdisplay differs: $(diff <(echo "$real") <(echo "$ours"))"
real=$(L vgs -o+snap_count,lv_count vgu); ours=$(U vgs -o+snap_count,lv_count vgu)
[ "$real" == "$ours" ] || fail "vgs differs: $(diff <(echo "$real") <(echo "$ours"))"
# lvm2 itself can drop what ulvm made.
L lvremove -f vgu/lvol0 >/dev/null; clean_stderr lvremove
expect_eq "$(U lvs --noheadings -o lv_name,origin vgu | xargs)" "origin snap origin" "after lvm2's lvremove"
L vgremove -f vgu >/dev/null

# ---- B: made by lvm2, run by udm
L vgcreate -q vgl "$B" >/dev/null
L lvcreate -q -an -Zn -L 8M -n data vgl >/dev/null
L lvcreate -q -an -Zn -L 4M -n cow vgl >/dev/null
PE_START=$(L pvs --noheadings --units s --nosuffix -o pe_start "$B" | tr -d ' ')
pe_of() { L lvs --noheadings -o seg_pe_ranges "vgl/$1" | sed 's/.*://; s/-.*//' | tr -d ' '; }
DATA_PE=$(pe_of data); COW_PE=$(pe_of cow)
# Known bytes in the origin; a new (zero) COW header, as lvcreate -s would write it.
head -c $((8 << 20)) /dev/urandom | dd of="$B" bs=512 seek=$((PE_START + DATA_PE * 8192)) conv=notrunc,fsync status=none
dd if=/dev/zero of="$B" bs=512 seek=$((PE_START + COW_PE * 8192)) count=8 conv=notrunc,fsync status=none
L lvconvert -y -Zn -s vgl/data vgl/cow >/dev/null
L vgcfgbackup -f "$E2E_TMP/lvm2.vg" vgl >/dev/null
grep -q 'cow_store = "cow"' "$E2E_TMP/lvm2.vg" || fail "lvm2 wrote no snapshot"
ORIG_MD5=$(dd if="$B" bs=512 skip=$((PE_START + DATA_PE * 8192)) count=16384 status=none | md5sum)

start_daemon
U vgchange -ay vgl >/dev/null || fail "ulvm vgchange -ay"
wait_for() { for ((i=0; i<100; i++)); do [ -e "$1" ] && return 0; sleep 0.05; done; fail "$1 did not appear"; }
wait_for "$UDM_RUNDIR/dev/vgl/cow"
expect_eq "$(udmsetup table vgl-data | awk '{print $3}')" "snapshot-origin" "origin from lvm2's metadata"
expect_eq "$(udmsetup table vgl-cow | awk '{print $3, $6, $7}')" "snapshot P 8" "snapshot from lvm2's metadata"
expect_eq "$(md5sum <"$UDM_RUNDIR/dev/vgl/cow")" "$ORIG_MD5" "snapshot reads the origin's data"
dd if=/dev/urandom of="$UDM_RUNDIR/dev/vgl/data" bs=64k count=16 conv=notrunc,fsync status=none
expect_eq "$(md5sum <"$UDM_RUNDIR/dev/vgl/cow")" "$ORIG_MD5" "snapshot keeps it after origin writes"
expect_eq "$(U lvs --noheadings -o lv_name,origin,lv_attr vgl | xargs)" "cow data swi-a-s--- data owi-a-s---" "ulvm lvs"
U vgchange -an vgl >/dev/null || fail "vgchange -an"
# What udm wrote into the COW is the kernel's format: lvm2 still reads the VG.
L vgck vgl; clean_stderr "vgck after udm"
echo PASS
