# A raid1 LV under ext4 with fio writing and verifying: one leg's device is
# switched to an `error` table; fio and the filesystem go on (fio's verify
# passes); lvs shows the leg failed (attr 'r', Health "refresh needed");
# lvconvert --repair puts a new leg on the third PV with lvm2's prompt and
# message; the rebuild completes; fsck is clean and both legs hold the same
# bytes (read from their PV extents). Then lvconvert -m 2 adds a leg (it
# recovers), -m 1 and -m 0 take legs away (linear on image 0's extents),
# and lvconvert --type raid1 -m 1 mirrors it again: fsck clean each time.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/../exports/common.sh"
requires udmd udmsetup python3 losetup mkfs.ext4 e2fsck fio mount
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
F=()
for i in 0 1 2; do F[i]="$E2E_TMP/p$i.img"; sparse_file "${F[i]}" 128M; done
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = ${F[0]},${F[1]},${F[2]}" > "$UDM_LVM_CONFIG"
ulvm vgcreate vg0 "${F[@]}" >/dev/null || fail "vgcreate"
start_daemon
ulvm lvcreate -m 1 -L 64M -n r vg0 "${F[0]}" "${F[1]}" >/dev/null || fail "lvcreate"
wait_idle vg0-r
DEV="$UDM_RUNDIR/dev/vg0/r"
wait_for_file "$DEV"
loop_on "$DEV"
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$LOOP"
mount_on "$LOOP" "$E2E_TMP/mnt"
leg_sum() {  # md5 of a leg's 64 MiB on its PV
  python3 -c "import sys,hashlib; f=open(sys.argv[1],'rb'); f.seek((1<<20)+int(sys.argv[2])*(4<<20)); print(hashlib.md5(f.read(64<<20)).hexdigest())" \
    "$(dev_of "vg0/$1")" "$(pe_of "vg0/$1")"
}
# Compared with the filesystem unmounted: a mounted ext4 writes in the
# background (journal, lazy init), and a write between reading one leg and
# the next would look like a difference.
legs_equal() {
  local s0 s
  umount "$E2E_TMP/mnt"
  s0=$(leg_sum r_rimage_0)
  for l in "$@"; do s=$(leg_sum "$l"); [ "$s" == "$s0" ] || fail "leg $l differs from r_rimage_0 ($1)"; done
  mount "$LOOP" "$E2E_TMP/mnt"
}
fsck_clean() {
  umount "$E2E_TMP/mnt"
  e2fsck -fn "$LOOP" >"$E2E_TMP/fsck" 2>&1 || fail "fsck ($1): $(cat "$E2E_TMP/fsck")"
  mount "$LOOP" "$E2E_TMP/mnt"
}

fio --name=v --filename="$E2E_TMP/mnt/fio.dat" --size=24M --rw=randwrite --bs=4k --direct=1 --ioengine=psync \
  --verify=crc32c --verify_fatal=1 --do_verify=1 --output="$E2E_TMP/fio.out" >/dev/null 2>&1 &
fio_pid=$!
sleep 1
sectors=$(udmsetup table vg0-r_rimage_1 | cut -d' ' -f2)
udmsetup load vg0-r_rimage_1 --table "0 $sectors error" || fail "load error"
udmsetup suspend vg0-r_rimage_1 && udmsetup resume vg0-r_rimage_1 || fail "switch to error"
wait "$fio_pid" || fail "fio failed with a leg gone: $(tail -20 "$E2E_TMP/fio.out")"
grep -q "err= 0" "$E2E_TMP/fio.out" || fail "fio: $(cat "$E2E_TMP/fio.out")"
sync
case "$(raid_status vg0-r)" in "raid1 2 AD "*) ;; *) fail "status after failure: $(raid_status vg0-r)";; esac
expect_eq "$(ulvm lvs --noheadings -o lv_attr,lv_health_status vg0/r | tr -s ' ' | sed 's/ *$//')" \
  " rwi-aor-r- refresh needed" "lvs after failure"
expect_eq "$(ulvm lvs -a --noheadings -o lv_attr vg0/r_rimage_1 | tr -d ' ')" "Iwi-aor-r-" "failed image attr"

ulvm lvconvert -y --repair vg0/r >"$E2E_TMP/out" 2>"$E2E_TMP/err" || fail "repair: $(cat "$E2E_TMP/err")"
expect_eq "$(cat "$E2E_TMP/out")" "  Faulty devices in vg0/r successfully replaced." "repair message"
expect_eq "$(dev_of vg0/r_rimage_1)" "${F[2]}" "new leg's PV"
wait_idle vg0-r
[ -z "$(udmsetup ls | grep extracted)" ] || fail "extracted devices left: $(udmsetup ls)"
fsck_clean "after repair"
legs_equal r_rimage_1
expect_eq "$(ulvm lvs --noheadings -o lv_attr,copy_percent vg0/r | tr -s ' ' | sed 's/ *$//')" " rwi-aor--- 100.00" "lvs after repair"

# A third leg on the freed PV, then back down to linear.
expect_out '  Logical volume vg0/r successfully converted.' ulvm lvconvert -y -m 2 vg0/r
wait_idle vg0-r
case "$(raid_status vg0-r)" in "raid1 3 AAA "*) ;; *) fail "status with 3 legs: $(raid_status vg0-r)";; esac
legs_equal r_rimage_1 r_rimage_2
expect_out '  Logical volume vg0/r successfully converted.' ulvm lvconvert -y -m 1 vg0/r
case "$(raid_status vg0-r)" in "raid1 2 AA "*) ;; *) fail "status with 2 legs: $(raid_status vg0-r)";; esac
[ -z "$(udmsetup ls | grep r_rimage_2)" ] || fail "r_rimage_2 device left"
expect_out '  Logical volume vg0/r successfully converted.' ulvm lvconvert -y -m 0 vg0/r
expect_eq "$(ulvm lvs -a --noheadings -o lv_name,segtype vg0 | tr -s ' ' | sed 's/ *$//')" " r linear" "after -m 0"
expect_eq "$(udmsetup table vg0-r | cut -d' ' -f3)" "linear" "table after -m 0"
fsck_clean "after -m 0"
expect_out '  Logical volume vg0/r successfully converted.' ulvm lvconvert -y --type raid1 -m 1 vg0/r
wait_idle vg0-r
fsck_clean "after linear to raid1"
legs_equal r_rimage_1
ulvm vgcfgbackup -f "$E2E_TMP/vg.txt" vg0 >/dev/null
grep -q REBUILD "$E2E_TMP/vg.txt" && fail "REBUILD left in the metadata"
echo OK
