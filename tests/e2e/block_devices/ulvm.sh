#!/bin/bash
# ulvm with block devices: vgchange -ay makes DEVDIR/VG/LV; mkfs.ext4 and
# mount by that path, write, lvextend then resize2fs (on the mounted fs when
# this machine grants CAP_SYS_RESOURCE, else offline), unmount, vgchange -an:
# the links and loops go with the devices. Private --devdir.
. "$(dirname "$0")/common.sh"
requires mkfs.ext4 resize2fs e2fsck ulvm
devdir="$E2E_TMP/devdir"
mkdir -p "$devdir"
A="$E2E_TMP/a.img"
sparse_file "$A" 256M
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = $A" > "$UDM_LVM_CONFIG"
ulvm vgcreate bvg "$A" >/dev/null
ulvm lvcreate -an -L 64M -n data bvg >/dev/null
start_daemon --devdir "$devdir"
ulvm vgchange -ay bvg >/dev/null
lv="$devdir/bvg/data"
[ -L "$lv" ] || fail "no $lv after vgchange -ay: $(ls -R "$devdir")"
[ -b "$lv" ] || fail "$lv is not a block device"
expect_eq "$(readlink "$lv")" "$(readlink "$devdir/mapper/bvg-data")" "VG/LV and mapper links"
mkfs.ext4 -q "$lv"
mkdir -p "$E2E_TMP/mnt"
mount "$lv" "$E2E_TMP/mnt"
cleanup_fn umount "$E2E_TMP/mnt"
head -c 4M /dev/urandom > "$E2E_TMP/data"
cp "$E2E_TMP/data" "$E2E_TMP/mnt/data"
sync
# lvremove and vgchange -an refuse an LV in use.
rc=0; ulvm lvchange -an bvg/data 2>"$E2E_TMP/err" || rc=$?
[ "$rc" != 0 ] || fail "lvchange -an of a mounted LV succeeded"
grep -q "in use" "$E2E_TMP/err" || fail "lvchange -an of a mounted LV: $(cat "$E2E_TMP/err")"

ulvm lvextend -L 128M bvg/data >/dev/null
expect_eq "$(blockdev --getsize64 "$lv")" "$((128 << 20))" "block device size after lvextend"
if resize2fs "$lv" >"$E2E_TMP/resize.out" 2>&1; then
  echo "resized online"
else
  # Online resize needs CAP_SYS_RESOURCE, which some containers drop.
  grep -q "Permission denied" "$E2E_TMP/resize.out" || fail "resize2fs: $(cat "$E2E_TMP/resize.out")"
  echo "online resize not permitted here: resizing unmounted"
  umount "$E2E_TMP/mnt"
  e2fsck -fy "$lv" >/dev/null 2>&1
  resize2fs "$lv" >/dev/null 2>&1 || fail "offline resize2fs failed"
  mount "$lv" "$E2E_TMP/mnt"
fi
blocks=$(df -B1M --output=size "$E2E_TMP/mnt" | tail -1 | tr -d ' ')
[ "$blocks" -gt 100 ] || fail "fs size after resize: ${blocks}M"
cmp "$E2E_TMP/data" "$E2E_TMP/mnt/data" || fail "data differs after resize"
umount "$E2E_TMP/mnt"
e2fsck -fn "$lv" >/dev/null 2>&1 || fail "fsck after resize"

ulvm vgchange -an bvg >/dev/null
wait_gone "$lv" || fail "$lv left after vgchange -an"
wait_gone "$devdir/mapper/bvg-data" || fail "mapper link left after vgchange -an"
[ ! -d "$devdir/bvg" ] || fail "VG dir left after vgchange -an"
[ -z "$(our_loops)" ] || fail "loops left after vgchange -an: $(our_loops)"
# The data is in the VG's extents: activate again and read it back.
ulvm vgchange -ay bvg >/dev/null
mount -o ro "$lv" "$E2E_TMP/mnt"
cmp "$E2E_TMP/data" "$E2E_TMP/mnt/data" || fail "data differs after reactivation"
umount "$E2E_TMP/mnt"
ulvm vgchange -an bvg >/dev/null
stop_daemon
_check_no_loops
echo PASS
