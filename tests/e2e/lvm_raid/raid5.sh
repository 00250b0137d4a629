# raid5 (lvm2's default raid5_ls) with one failed device: every byte still
# reads right (checksums of the whole LV and of each 64 KiB chunk against
# what was written), then lvconvert --repair rebuilds the image on the
# fourth PV and the data and parity are where raid5_ls puts them.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup python3 md5sum
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
HERE=$(dirname "$0")
F=()
for i in 0 1 2 3; do F[i]="$E2E_TMP/p$i.img"; sparse_file "${F[i]}" 64M; done
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = ${F[0]},${F[1]},${F[2]},${F[3]}" > "$UDM_LVM_CONFIG"
ulvm vgcreate vg0 "${F[@]}" >/dev/null || fail "vgcreate"
start_daemon
ulvm lvcreate --type raid5 -i 2 -L 16M -n r5 vg0 "${F[0]}" "${F[1]}" "${F[2]}" >/dev/null || fail "lvcreate"
wait_idle vg0-r5
head -c $((16 << 20)) /dev/urandom > "$E2E_TMP/data"
DEV="$UDM_RUNDIR/dev/vg0/r5"
dd if="$E2E_TMP/data" of="$DEV" bs=1M oflag=direct conv=notrunc status=none || fail "write"
want=$(md5sum < "$E2E_TMP/data" | cut -d' ' -f1)
sectors=$(udmsetup table vg0-r5_rimage_1 | cut -d' ' -f2)
udmsetup load vg0-r5_rimage_1 --table "0 $sectors error" || fail "load error"
udmsetup suspend vg0-r5_rimage_1 && udmsetup resume vg0-r5_rimage_1 || fail "switch to error"
dd if="$DEV" of="$E2E_TMP/read" bs=1M iflag=direct status=none || fail "read with a failed device"
expect_eq "$(md5sum < "$E2E_TMP/read" | cut -d' ' -f1)" "$want" "degraded read"
cmp "$E2E_TMP/read" "$E2E_TMP/data" || fail "degraded read differs"
case "$(raid_status vg0-r5)" in "raid5_ls 3 ADA "*) ;; *) fail "status: $(raid_status vg0-r5)";; esac

expect_out '  Faulty devices in vg0/r5 successfully replaced.' ulvm lvconvert -y --repair vg0/r5
expect_eq "$(dev_of vg0/r5_rimage_1)" "${F[3]}" "new image's PV"
wait_idle vg0-r5
cmp "$DEV" "$E2E_TMP/data" || fail "data after rebuild"
img() { echo "$(dev_of "vg0/$1"):$(( (1 << 20) + $(pe_of "vg0/$1") * (4 << 20) ))"; }
python3 "$HERE/layout.py" raid5_ls 65536 "$E2E_TMP/data" "$(img r5_rimage_0)" "$(img r5_rimage_1)" \
  "$(img r5_rimage_2)" || fail "raid5 layout after rebuild"
echo OK
