# pvcreate/vgcreate/lvcreate/lvextend/reports/rename/remove on sparse files,
# with the exact output real lvm 2.03 prints for the same commands (captured
# on loop devices; only the device names differ).
. "$(dirname "$0")/common.sh"
A="$E2E_TMP/a.img"; B="$E2E_TMP/b.img"
sparse_file "$A" 64M; sparse_file "$B" 64M
# Devices come from the config file: no --devices needed below.
mkdir -p "$UDM_LVM_CONFDIR"
echo "devices { devices = [\"$A\", \"$B\"] }" > "$UDM_LVM_CONFDIR/lvm.conf"

expect_out "  Physical volume \"$A\" successfully created.
  Physical volume \"$B\" successfully created." ulvm pvcreate "$A" "$B"
expect_out '  Volume group "vg0" successfully created' ulvm vgcreate vg0 "$A" "$B"
expect_out '  Rounding up size to full physical extent 12.00 MiB
  Logical volume "lv0" created.' ulvm lvcreate -an -L 10M -n lv0 vg0
expect_out '  Using default stripesize 64.00 KiB.
  Rounding up size to full physical extent 12.00 MiB
  Rounding size 12.00 MiB (3 extents) up to stripe boundary size 16.00 MiB (4 extents).
  Logical volume "str" created.' ulvm lvcreate -an -Zn -L 10M -i2 -n str vg0
expect_out '  Logical volume "lv-x" created.' ulvm lvcreate -an -l 3 -n lv-x vg0
expect_out '  Logical volume "z" created.' ulvm lvcreate -an --type zero -L 8M -n z vg0
expect_out '  Size of logical volume vg0/lv0 changed from 12.00 MiB (3 extents) to 20.00 MiB (5 extents).
  Logical volume vg0/lv0 successfully resized.' ulvm lvextend -L +8M vg0/lv0

expect_out '  LV   VG  Attr       LSize  Pool Origin Data%  Meta%  Move Log Cpy%Sync Convert
  lv-x vg0 -wi-XX---- 12.00m                                                    
  lv0  vg0 -wi-XX---- 20.00m                                                    
  str  vg0 -wi-XX---- 16.00m                                                    
  z    vg0 vwi-XXv---  8.00m                                                    ' ulvm lvs
expect_out '  VG  #PV #LV #SN Attr   VSize   VFree 
  vg0   2   4   0 wz--n- 120.00m 72.00m' ulvm vgs
expect_out "  $A vg0 lvm2 a--  60.00m 20.00m
  $B vg0 lvm2 a--  60.00m 52.00m" ulvm pvs --noheadings
expect_out "  lv-x:$A:5-7
  lv0:$A:0-2
  lv0:$A:8-9
  str:$A:3-4 $B:0-1
  z:" ulvm lvs --noheadings --separator : -o lv_name,seg_pe_ranges
expect_out '  {
      "report": [
          {
              "vg": [
                  {"vg_name":"vg0", "pv_count":"2", "lv_count":"4", "snap_count":"0", "vg_attr":"wz--n-", "vg_size":"120.00m", "vg_free":"72.00m"}
              ]
          }
      ]
  }' ulvm vgs --reportformat json
# argv[0] dispatch: the same binary run as "lvs".
expect_out '  lv0  20971520B' "$UDM_BIN/ulvm-links/lvs" --units b -o lv_name,lv_size --noheadings vg0/lv0

# 100%FREE takes what is left; lvreduce/lvresize.
expect_out '  Logical volume "big" created.' ulvm lvcreate -an -l 100%FREE -n big vg0
expect_out '     0 ' ulvm vgs --noheadings -o vg_free
expect_out '  Size of logical volume vg0/big changed from 72.00 MiB (18 extents) to 8.00 MiB (2 extents).
  Logical volume vg0/big successfully resized.' ulvm lvreduce -y -L 8M vg0/big
expect_out '  Size of logical volume vg0/big changed from 8.00 MiB (2 extents) to 12.00 MiB (3 extents).
  Logical volume vg0/big successfully resized.' ulvm lvresize -l +1 vg0/big

expect_out '  Renamed "lv-x" to "lvy" in volume group "vg0"' ulvm lvrename vg0 lv-x lvy
expect_out '  Renamed "lvy" to "lv-x" in volume group "vg0"' ulvm lvrename vg0/lvy vg0/lv-x
expect_out '  Volume group "vg0" successfully renamed to "vg1"' ulvm vgrename vg0 vg1
expect_out '  Logical volume "big" successfully removed.' ulvm lvremove -y vg1/big
expect_out '  lv-x
  lv0 
  str 
  z   ' ulvm lvs --noheadings -o lv_name vg1

# Tags and permissions, with lvm's messages.
expect_out '  Volume group "vg1" successfully changed' ulvm vgchange --addtag t1 vg1
expect_out '  Logical volume vg1/lv0 changed.' ulvm lvchange --addtag x1 --addtag x2 vg1/lv0
expect_out '  Logical volume vg1/lv0 changed.' ulvm lvchange -p r vg1/lv0
expect_out '  lv0  x1,x2   -ri-XX----' ulvm lvs --noheadings -o lv_name,lv_tags,lv_attr vg1/lv0
expect_out '  vg1 t1     ' ulvm vgs --noheadings -o vg_name,vg_tags
expect_fail 5 '  Logical volume "vg1/lv0" is already read only.' ulvm lvchange -p r vg1/lv0
expect_out '  Logical volume vg1/lv0 changed.' ulvm lvchange -p rw --deltag x1 vg1/lv0
expect_out '  Volume group "vg1" successfully changed' ulvm vgchange --deltag t1 vg1
expect_out '  lv0  x2      -wi-XX----' ulvm lvs --noheadings -o lv_name,lv_tags,lv_attr vg1/lv0

# pvresize shrinks a PV down to its last used extent and grows it back.
expect_out "  Physical volume \"$B\" changed
  1 physical volume(s) resized or updated / 0 physical volume(s) not resized" ulvm pvresize --setphysicalvolumesize 40M "$B"
expect_out '    9' ulvm pvs --noheadings -o pv_pe_count "$B"
expect_out "  Physical volume \"$B\" changed
  1 physical volume(s) resized or updated / 0 physical volume(s) not resized" ulvm pvresize "$B"
expect_out '   15' ulvm pvs --noheadings -o pv_pe_count "$B"

# Archives of every earlier version and a backup of the latest.
[ -f "$UDM_LVM_CONFDIR/backup/vg1" ] || fail "no backup file"
n=$(ls "$UDM_LVM_CONFDIR/archive" | wc -l)
[ "$n" -ge 10 ] || fail "expected >= 10 archives, got $n"
expect_out '  Volume group "vg1" successfully backed up.' ulvm vgcfgbackup -f "$E2E_TMP/vg1.vg" vg1
grep -q 'seqno = 20' "$E2E_TMP/vg1.vg" || fail "backup does not hold seqno 20"
ulvm vgck vg1 || fail "vgck"

expect_out '  Logical volume "lv0" successfully removed.
  Logical volume "str" successfully removed.
  Logical volume "lv-x" successfully removed.
  Logical volume "z" successfully removed.
  Volume group "vg1" successfully removed' ulvm vgremove -f vg1
expect_out "  $A    lvm2 ---  64.00m 64.00m
  $B    lvm2 ---  64.00m 64.00m" ulvm pvs --noheadings
expect_out "  Labels on physical volume \"$A\" successfully wiped." ulvm pvremove "$A"
# --devices on the command line replaces the config's list.
expect_out "  $B    lvm2 ---  64.00m 64.00m" ulvm pvs --noheadings --devices "$A" --devices "$B"
echo PASS
