# ulvm lvcreate of raid LVs: -m N (raid1 by default), --type raid0/raid5/
# raid10 -i S, --nosync (attr R, no resync), --regionsize; rmeta and rimage
# on distinct PVs, lvm2's error when the PVs are too few; the resync started
# at creation ends with Cpy%Sync 100.00 and equal legs; a throttled one
# (--maxrecoveryrate) shows its progress and refuses a check; lvchange
# --syncaction check finds a leg changed behind udm's back (mismatches, attr
# 'm'), repair fixes it; --rebuild PV recovers a leg; lvremove takes the
# sub-LVs too; real lvm2 accepts the metadata (vgck, lvs -a).
. "$(dirname "$0")/common.sh"
requires udmd udmsetup python3 lvm losetup
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
F=()
for i in 0 1 2 3; do F[i]="$E2E_TMP/p$i.img"; sparse_file "${F[i]}" 64M; done
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = ${F[0]},${F[1]},${F[2]},${F[3]}" > "$UDM_LVM_CONFIG"
ulvm vgcreate vg0 "${F[@]}" >/dev/null || fail "vgcreate"
start_daemon

expect_out '  Logical volume "r1" created.' ulvm lvcreate -m 1 -L 8M -n r1 vg0 "${F[0]}" "${F[1]}"
expect_out '  Using default stripesize 64.00 KiB.
  Logical volume "r5" created.' ulvm lvcreate --type raid5 -i 2 -L 8M -n r5 vg0
expect_out '  Using default stripesize 64.00 KiB.
  Logical volume "r0" created.' ulvm lvcreate --type raid0 -i 2 -L 8M -n r0 vg0
expect_out '  Using default stripesize 64.00 KiB.
  Logical volume "r10" created.' ulvm lvcreate --type raid10 -i 2 -m 1 -L 8M -n r10 vg0
ulvm lvcreate --type raid1 -m 1 -L 4M --nosync --regionsize 1M -n ns vg0 >"$E2E_TMP/out" 2>"$E2E_TMP/err" ||
  fail "lvcreate --nosync: $(cat "$E2E_TMP/err")"
expect_eq "$(cat "$E2E_TMP/err")" "  WARNING: New raid1 won't be synchronised. Don't read what you didn't write!" "nosync warning"
expect_fail 5 "  Insufficient suitable allocatable extents for logical volume big: 15 more required" \
  ulvm lvcreate -m 4 -L 8M -n big vg0
expect_fail 3 "  Minimum of 3 stripes required for raid6.
  Run \`lvcreate --help' for more information." ulvm lvcreate --type raid6 -i 2 -L 8M -n r6 vg0

# Layout: rmeta_N one extent right before rimage_N, each pair on its own PV.
expect_eq "$(ulvm lvs -a --noheadings -o lv_name,segtype,devices vg0/r1 vg0/r1_rimage_0 vg0/r1_rmeta_0 vg0/r1_rimage_1 vg0/r1_rmeta_1 | tr -s ' ')" \
" r1 raid1 r1_rimage_0(0),r1_rimage_1(0)
 [r1_rimage_0] linear ${F[0]}(1)
 [r1_rimage_1] linear ${F[1]}(1)
 [r1_rmeta_0] linear ${F[0]}(0)
 [r1_rmeta_1] linear ${F[1]}(0)" "r1 layout"
for lv in r1 r5 r10; do wait_idle "vg0-$lv"; done
attrs=$(ulvm lvs --noheadings -o lv_name,lv_attr,copy_percent,region_size,stripes,data_stripes vg0 | tr -s ' ' | sed 's/ *$//')
expect_eq "$attrs" " ns Rwi-a-r--- 100.00 1.00m 2 2
 r0 rwi-a-r--- 0 2 2
 r1 rwi-a-r--- 100.00 2.00m 2 2
 r10 rwi-a-r--- 100.00 2.00m 4 2
 r5 rwi-a-r--- 100.00 2.00m 3 2" "lvs after sync"
case "$(udmsetup table vg0-ns)" in *" raid raid1 4 0 nosync region_size 2048 2 "*) ;; *) fail "ns table: $(udmsetup table vg0-ns)";; esac

# A throttled resync shows its progress; lifting the limit lets it finish.
ulvm lvcreate -m 1 -L 16M --maxrecoveryrate 2M -n slow vg0 >/dev/null || fail "lvcreate slow"
case "$(udmsetup table vg0-slow)" in *" max_recovery_rate 2048 "*) ;; *) fail "slow table: $(udmsetup table vg0-slow)";; esac
sleep 1
out=$(ulvm lvs --noheadings -o lv_attr,copy_percent,raid_sync_action vg0/slow | tr -s ' ' | sed 's/ *$//')
case "$out" in " rwi-a-r--- "[0-9].[0-9][0-9]" resync"|" rwi-a-r--- "[1-9][0-9].[0-9][0-9]" resync") ;;
  *) fail "no resync in progress: [$out]";; esac
# A check while the (throttled) resync runs is refused as lvm2 does.
expect_fail 5 '  vg0/slow state is currently "resync".  Unable to switch to "check".' ulvm lvchange --syncaction check vg0/slow
expect_out '  Logical volume vg0/slow changed.' ulvm lvchange --maxrecoveryrate 0 vg0/slow
case "$(udmsetup table vg0-slow)" in *max_recovery_rate*) fail "limit still in the table";; esac
wait_idle vg0-slow
expect_eq "$(ulvm lvs --noheadings -o copy_percent vg0/slow | tr -d ' ')" "100.00" "slow after the limit is lifted"
ulvm lvremove -y vg0/slow >/dev/null || fail "lvremove slow"

# Data on both legs; a leg changed behind udm's back is found by check.
head -c $((8 << 20)) /dev/urandom > "$E2E_TMP/data"
dd if="$E2E_TMP/data" of="$UDM_RUNDIR/dev/vg0/r1" bs=1M oflag=direct conv=notrunc status=none || fail "write r1"
sync
leg() { python3 -c "import sys; f=open(sys.argv[1],'rb'); f.seek((1<<20)+int(sys.argv[2])*(4<<20)); sys.stdout.buffer.write(f.read(8<<20))" "$(dev_of "vg0/$1")" "$(pe_of "vg0/$1")"; }
cmp <(leg r1_rimage_0) "$E2E_TMP/data" || fail "leg 0"
cmp <(leg r1_rimage_1) "$E2E_TMP/data" || fail "leg 1"
python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek((1<<20)+int(sys.argv[2])*(4<<20)+(1<<20)); f.write(b'x'*4096)" \
  "$(dev_of vg0/r1_rimage_1)" "$(pe_of vg0/r1_rimage_1)"
expect_out '' ulvm lvchange --syncaction check vg0/r1
wait_idle vg0-r1
out=$(ulvm lvs --noheadings -o lv_attr,raid_sync_action,raid_mismatch_count,lv_health_status vg0/r1 | tr -s ' ' | sed 's/ *$//')
expect_eq "$out" " rwi-a-r-m- idle 128 mismatches exist" "after check"
expect_out '' ulvm lvchange --syncaction repair vg0/r1
wait_idle vg0-r1
cmp <(leg r1_rimage_1) "$E2E_TMP/data" || fail "repair did not fix leg 1"
ulvm lvchange --syncaction check vg0/r10 >/dev/null || fail "check r10"
wait_idle vg0-r10
expect_fail 5 "  Command on LV vg0/r0 with invalid LV type striped.
  Command not permitted on LV vg0/r0." ulvm lvchange --syncaction check vg0/r0

# --rebuild: leg 1 is wiped, rebuilt from leg 0.
python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek((1<<20)+int(sys.argv[2])*(4<<20)); f.write(bytes(8<<20))" \
  "$(dev_of vg0/r1_rimage_1)" "$(pe_of vg0/r1_rimage_1)"
expect_out '  Logical volume vg0/r1 changed.' ulvm lvchange --rebuild "${F[1]}" vg0/r1
wait_idle vg0-r1
cmp <(leg r1_rimage_1) "$E2E_TMP/data" || fail "rebuild did not restore leg 1"
ulvm vgcfgbackup -f "$E2E_TMP/after.vg" vg0 >/dev/null
grep -q REBUILD "$E2E_TMP/after.vg" && fail "REBUILD left in the metadata"

expect_out '  Logical volume "r10" successfully removed.' ulvm lvremove -y vg0/r10
[ -z "$(ulvm lvs -a --noheadings -o lv_name vg0 | grep r10_)" ] || fail "r10 sub-LVs left"
[ -z "$(udmsetup ls | grep r10)" ] || fail "r10 devices left: $(udmsetup ls)"

# Real lvm2 reads what ulvm wrote.
ulvm lvs -a --noheadings -o lv_name,segtype,stripes,region_size vg0 > "$E2E_TMP/ulvm.lvs"
ulvm vgchange -an vg0 >/dev/null || fail "vgchange -an"
L=(); for i in 0 1 2 3; do L[i]=$(attach_loop "${F[i]}"); done
CFG=$(lvm_cfg "${L[@]}")
lvm vgck vg0 --config "$CFG" >"$E2E_TMP/vgck" 2>&1 || fail "real vgck: $(cat "$E2E_TMP/vgck")"
lvm lvs -a --noheadings -o lv_name,segtype,stripes,region_size vg0 --config "$CFG" 2>/dev/null > "$E2E_TMP/real.lvs"
expect_eq "$(cat "$E2E_TMP/real.lvs")" "$(cat "$E2E_TMP/ulvm.lvs")" "real lvs"
grep -q '\[r5_rimage_2\] *linear' "$E2E_TMP/real.lvs" || fail "real lvs: $(cat "$E2E_TMP/real.lvs")"
echo OK
