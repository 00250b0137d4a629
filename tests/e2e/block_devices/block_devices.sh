#!/bin/bash
# udmd backs each mapped device with a loop device over its FUSE file: the
# devno udmsetup reports is the loop's, DEVDIR/mapper/NAME and DEVDIR/VG/LV
# link to it, it grows with a new table, a table naming it stacks on the
# device itself, remove is refused while it is mounted, rename moves the
# links, kill -9 leaves loops that the next udmd detaches, SIGTERM leaves none.
. "$(dirname "$0")/common.sh"
requires mkfs.ext4 blockdev
devdir="$E2E_TMP/devdir"
mkdir -p "$devdir"
img="$E2E_TMP/a.img"
sparse_file "$img" 64M
start_daemon --devdir "$devdir"
grep -q "block devices on" "$E2E_TMP/udmd.log" || fail "block devices not on: $(cat "$E2E_TMP/udmd.log")"
grep -Eq "ublk" "$E2E_TMP/udmd.log" || fail "no ublk line in the log"

udmsetup create plain --table "0 65536 linear $img 0"
mm=$(devno plain)
[[ "$mm" == 7:* ]] || fail "plain: devno $mm is not a loop device's"
loop=/dev/loop${mm#7:}
expect_eq "$(readlink "$devdir/mapper/plain")" "$loop" "mapper link"
expect_eq "$(losetup -nO BACK-FILE "$loop")" "$UDM_RUNDIR/dev/mapper/plain" "loop backing file"
expect_eq "$(lsblk -bdno SIZE "$loop")" "$((65536 * 512))" "lsblk size"
expect_eq "$(lsblk -dno MAJ:MIN "$loop" | tr -d ' ')" "$mm" "lsblk devno"
udmsetup ls | grep -Eq "^plain[[:space:]]+\(7(:|, )${mm#7:}\)" || fail "ls: $(udmsetup ls)"
expect_eq "$(udmsetup info plain | sed -n 's/^Open count: *//p')" 0 "open count (the loop's hold is not an open)"

# Data written through the block device is the device's.
printf 'through-the-loop' | dd of="$devdir/mapper/plain" bs=4096 seek=1 oflag=direct conv=sync status=none
expect_eq "$(dd if="$img" bs=4096 skip=1 count=1 status=none | tr -d '\0')" "through-the-loop" "data"

# An LV: the VG/LV link too (lvm2's name split, "--" for "-").
udmsetup create my--vg-lv--1 -u "LVM-$(printf 'x%.0s' {1..64})" --table "0 8192 linear $img 65536"
lv=$(readlink "$devdir/my-vg/lv-1") || fail "no $devdir/my-vg/lv-1: $(ls -R "$devdir")"
expect_eq "$lv" "$(readlink "$devdir/mapper/my--vg-lv--1")" "VG/LV and mapper links"

# A table naming the loop (by devno or path) stacks on the mapped device,
# no I/O goes through the loop: deps shows the loop's devno.
udmsetup create upper --table "0 8192 linear $mm 0
8192 8192 linear $devdir/mapper/plain 8192"
expect_eq "$(udmsetup deps upper)" "1 dependencies	: (7, ${mm#7:})" "deps"
expect_eq "$(udmsetup table upper)" "0 8192 linear $mm 0
8192 8192 linear $mm 8192" "table names the block device"
expect_eq "$(dd if="$devdir/mapper/upper" bs=4096 skip=1 count=1 iflag=direct status=none | tr -d '\0')" \
  "through-the-loop" "stacked read"
udmsetup remove upper
udmsetup ls --tree -o devno >/dev/null

# mkfs and mount by the link; remove refused while mounted.
mkfs.ext4 -q "$devdir/mapper/plain"
mkdir -p "$E2E_TMP/mnt"
mount "$devdir/mapper/plain" "$E2E_TMP/mnt"
cleanup_fn umount "$E2E_TMP/mnt"
echo hello > "$E2E_TMP/mnt/file"
expect_eq "$(udmsetup info plain | sed -n 's/^Open count: *//p')" 1 "open count while mounted"
rc=0; udmsetup remove plain 2>"$E2E_TMP/err" || rc=$?
[ "$rc" != 0 ] && grep -q "Device or resource busy" "$E2E_TMP/err" || fail "remove of a mounted device: rc $rc $(cat "$E2E_TMP/err")"
[ -L "$devdir/mapper/plain" ] || fail "link lost on a refused remove"

# A bigger table grows the block device (the mounted fs sees it).
truncate -s 128M "$img"
udmsetup load plain --table "0 131072 linear $img 0"
udmsetup suspend plain
udmsetup resume plain
expect_eq "$(blockdev --getsize64 "$loop")" "$((131072 * 512))" "size after a bigger table"
umount "$E2E_TMP/mnt"
expect_eq "$(blockdev --getsize64 "$devdir/mapper/plain")" "$((131072 * 512))" "size by the link"

# Rename moves the links; the loop stays.
udmsetup rename plain renamed
wait_gone "$devdir/mapper/plain" || fail "old link left after rename"
expect_eq "$(readlink "$devdir/mapper/renamed")" "$loop" "link after rename"
expect_eq "$(devno renamed)" "$mm" "devno after rename"

# Remove detaches and unlinks.
udmsetup remove renamed
wait_gone "$devdir/mapper/renamed" || fail "link left after remove"
[ -z "$(losetup -nO BACK-FILE "$loop" 2>/dev/null | grep -F "$UDM_RUNDIR/" || true)" ] || fail "$loop still attached after remove"

# kill -9: the loop stays; the next udmd detaches it and attaches anew.
kill -9 "$UDMD_PID"; wait "$UDMD_PID" 2>/dev/null || true; UDMD_PID=
[ -n "$(our_loops)" ] || fail "expected the killed udmd's loop to be left"
# Its FUSE mount goes too (lib.sh does that): the loop now shows its file as
# "/mapper/..."; udmd's record of its loops still finds it.
_unmount_rundir
start_daemon --devdir "$devdir"
grep -q "detached /dev/loop.* left by a previous udmd" "$E2E_TMP/udmd.log" || fail "stale loop not detached: $(cat "$E2E_TMP/udmd.log")"
expect_eq "$(our_loops | wc -l)" 1 "loops after restart"
lv2=$(readlink "$devdir/my-vg/lv-1")
expect_eq "$(devno my--vg-lv--1)" "7:${lv2#/dev/loop}" "restored LV's devno"

# A device restored suspended gets its block device at its resume (attaching
# flushes the FUSE file, which a suspended device would hold: udmd must start).
udmsetup suspend my--vg-lv--1
kill -9 "$UDMD_PID"; wait "$UDMD_PID" 2>/dev/null || true; UDMD_PID=
_unmount_rundir
start_daemon --devdir "$devdir"
udmsetup info my--vg-lv--1 | grep -q "^State: *SUSPENDED" || fail "not restored suspended"
[[ "$(devno my--vg-lv--1)" == 252:* ]] || fail "a suspended device got a loop: $(devno my--vg-lv--1)"
udmsetup resume my--vg-lv--1
for ((i=0; i<100; i++)); do [[ "$(devno my--vg-lv--1)" == 7:* ]] && break; sleep 0.05; done
[[ "$(devno my--vg-lv--1)" == 7:* ]] || fail "no loop after resume: $(devno my--vg-lv--1)"
expect_eq "$(our_loops | wc -l)" 1 "loops after the second restart"

# SIGTERM: no loop, no link left.
term_daemon "udmd did not stop"
[ -z "$(our_loops)" ] || fail "loops left after SIGTERM: $(our_loops)"
wait_gone "$devdir/my-vg/lv-1" || fail "link left after SIGTERM"
[ ! -d "$devdir/my-vg" ] || fail "empty VG dir left"

# --no-block-devices: none.
start_daemon --devdir "$devdir" --no-block-devices
[[ "$(devno my--vg-lv--1)" == 252:* ]] || fail "--no-block-devices: devno $(devno my--vg-lv--1)"
[ -z "$(our_loops)" ] || fail "--no-block-devices made a loop"
udmsetup remove my--vg-lv--1
stop_daemon
_check_no_loops
echo PASS
