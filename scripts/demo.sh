#!/usr/bin/env bash
# The main job: set up, build, then make PVs on sparse files, a VG, LVs, a
# filesystem on one LV, and show it all. Cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${UDM_DEMO_SKIP_BUILD:-0}" != 1 ]; then
  scripts/setup.sh
  scripts/build.sh default
fi
export PATH="$PWD/build/bin:$PATH"

work=$(mktemp -d /tmp/udm-demo.XXXXXX)
export UDM_RUNDIR="$work/run" UDM_LVM_CONFDIR="$work/conf"
loop=""
cleanup() {
  set +e
  mountpoint -q "$work/mnt" && umount "$work/mnt"
  [ -n "$loop" ] && losetup -d "$loop"
  ulvm vgchange -an demo >/dev/null 2>&1
  udmsetup daemon stop --force >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# Tell ulvm which devices to scan once, in its config file, instead of --devices on every command.
mkdir -p "$UDM_LVM_CONFDIR"
echo "devices = [ \"$work/pv0.img\", \"$work/pv1.img\" ]" > "$UDM_LVM_CONFDIR/lvm.conf"

show() { printf '\n$ %s\n' "$*"; "$@"; }

truncate -s 1G "$work/pv0.img" "$work/pv1.img"
show ulvm pvcreate "$work/pv0.img" "$work/pv1.img"
show ulvm vgcreate demo "$work/pv0.img" "$work/pv1.img"
show ulvm lvcreate -L 300M -i 2 -n fast demo
show ulvm lvcreate -l 50%FREE -n data demo
show ulvm vgchange -ay demo
show ulvm lvs
show ulvm vgs
show ulvm pvs -o pv_name,vg_name,pv_size,pv_free,pe_start
show udmsetup ls
show udmsetup table
show udmsetup info demo-fast

# The LV is a file in udm's FUSE tree; a loop device makes it a block device.
printf '\n$ losetup -f --show --direct-io=on %s\n' "$UDM_RUNDIR/dev/demo/fast"
loop=$(losetup -f --show --direct-io=on "$UDM_RUNDIR/dev/demo/fast")
echo "$loop"
show mkfs.ext4 -q -L fast "$loop"
mkdir -p "$work/mnt"
show mount "$loop" "$work/mnt"
cp -r src "$work/mnt/udm-src"
echo "written through udm" > "$work/mnt/hello.txt"
sync
show df -h "$work/mnt"
show cat "$work/mnt/hello.txt"
show umount "$work/mnt"
show e2fsck -fn "$loop"
losetup -d "$loop"; loop=""
show ulvm vgchange -an demo
echo
echo "demo finished: PVs, VG, striped and linear LVs, ext4 on udm, fsck clean"
