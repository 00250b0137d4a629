#!/bin/bash
# dmstats create --filemap: a file on ext4 on the loop udmd puts over a
# mapped device's FUSE file. The file's extents (FIEMAP, offsets on the loop
# = sectors of the udm device) become regions grouped under the file's name;
# real dmstats (through udm-run) and udmstats make the same regions and
# messages, and writes to the file count in the group.
. "$(dirname "$0")/stats_common.sh"
export UDM_BLOCK_DEVICES=1
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
[ -e /dev/fuse ] && [ -e /dev/loop-control ] || { echo "SKIP: needs /dev/fuse and /dev/loop-control"; exit 77; }
requires mkfs.ext4 losetup
devdir="$E2E_TMP/devdir"
mkdir -p "$devdir" "$E2E_TMP/mnt"
start_daemon --no-nbd --devdir "$devdir"
grep -q "block devices on" "$E2E_TMP/udmd.log" || { echo "SKIP: no block devices: $(cat "$E2E_TMP/udmd.log")"; exit 77; }

sparse_file "$E2E_TMP/a.img" 64M
udmsetup create fm --table "0 131072 linear $E2E_TMP/a.img 0"
mkfs.ext4 -q -b 1024 "$devdir/mapper/fm"
mount "$devdir/mapper/fm" "$E2E_TMP/mnt"
cleanup_fn umount "$E2E_TMP/mnt"
f="$E2E_TMP/mnt/data"
# Two files written in turn: each gets several extents.
for i in 1 2 3 4; do
  dd if=/dev/urandom of="$f" bs=64k count=4 oflag=append conv=notrunc,fsync status=none
  dd if=/dev/urandom of="$E2E_TMP/mnt/other" bs=64k count=4 oflag=append conv=notrunc,fsync status=none
done
sync
extents=$(filefrag "$f" | sed -n 's/.*: \([0-9]*\) extents\? found/\1/p')
[ "$extents" -ge 2 ] || fail "the test file has $extents extent(s)"

# both ARGS...: each tool runs ARGS on a device without regions; same output,
# errors, exit code and @stats_list.
fm_clear() { udmstats delete --allregions --allprograms fm; }
both() { BEFORE_D=fm_clear BEFORE_U=fm_clear LIST_DEV=fm stats_both "$@"; }
both create --filemap --nomonitor "$f"
both create --filemap --nomonitor --nogroup --bounds 1ms,10ms "$f"
both create --filemap --nomonitor --programid prog --bounds 10us "$f"
both create --filemap --nomonitor "$E2E_TMP/a.img"
both create --filemap --nomonitor "$E2E_TMP/nonexistent"
both create --filemap --nomonitor --userdata x "$f"
both create --filemap --nomonitor

# update_filemap after the file grew: both tools start from the same old
# group (recreated from its @stats_list) and leave the same regions.
g="$E2E_TMP/mnt/grow"
for i in 1 2; do
  dd if=/dev/urandom of="$g" bs=64k count=4 oflag=append conv=notrunc,fsync status=none
  dd if=/dev/urandom of="$E2E_TMP/mnt/other" bs=64k count=4 oflag=append conv=notrunc,fsync status=none
done
udmstats delete --allregions --allprograms fm
dm create --filemap --nomonitor --bounds 1ms "$g" >/dev/null
udmsetup message fm 0 @stats_list >"$E2E_TMP/old.list"
restore() {
  udmstats delete --allregions --allprograms fm
  local id range step prog aux rest
  while read -r id range step prog aux rest; do
    udmsetup message fm 0 @stats_create "$range" "$step" 1 "$rest" "$prog" "$aux" >/dev/null
  done <"$E2E_TMP/old.list"
}
for i in 1 2; do
  dd if=/dev/urandom of="$g" bs=64k count=4 oflag=append conv=notrunc,fsync status=none
  dd if=/dev/urandom of="$E2E_TMP/mnt/other" bs=64k count=4 oflag=append conv=notrunc,fsync status=none
done
updated() { BEFORE_D=restore BEFORE_U=restore LIST_DEV=fm stats_both "$@"; }
updated update_filemap --groupid 0 --nomonitor "$g"
[ "$(wc -l <"$E2E_TMP/u.list")" -gt "$(wc -l <"$E2E_TMP/old.list")" ] || fail "update_filemap added no region"
updated update_filemap --groupid 7 --nomonitor "$g"
updated update_filemap --nomonitor "$g"
updated update_filemap --groupid 0 --nomonitor
truncate -s 64k "$g"
updated update_filemap --groupid 0 --nomonitor "$g"

# The regions are the file's extents on the udm device (the loop has offset 0).
udmstats delete --allregions --allprograms fm
udmstats create --filemap "$f" >/dev/null
got=$(udmsetup message fm 0 @stats_list | awk '{print $2}' | paste -sd' ')
want=$(filefrag -b512 -v "$f" | awk '/^ *[0-9]+:/ {gsub(/[.:]/, " "); print $4 "+" $6}' | paste -sd' ')
[ -n "$want" ] || fail "no extents from filefrag"
# filefrag lists extents one by one; udmstats merges physically adjacent ones.
merged=$(echo "$want" | tr ' ' '\n' | awk -F+ 'NR > 1 && $1 == e {l += $2; e += $2; next}
  NR > 1 {printf "%s%d+%d", sep, s, l; sep = " "} {s = $1; l = $2; e = $1 + $2}
  END {printf "%s%d+%d\n", sep, s, l}')
expect_eq "$got" "$merged" "regions are the file's extents"
udmstats report --allprograms >/dev/null
dd if=/dev/zero of="$f" bs=4096 count=16 oflag=direct conv=notrunc status=none
expect_eq "$(udmstats report --noheadings -o obj_type,stats_name,write_count -S obj_type=group fm)" "group:data:16" \
  "writes to the file count in its group"
expect_eq "$(udmstats list -v)" "$(dm list -v)" "list -v"
echo "dmsetup_stats_filemap: $compared commands identical"
