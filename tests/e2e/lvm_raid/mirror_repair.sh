#!/bin/bash
# `ulvm lvconvert --repair` of a `--type mirror` LV against real lvm2's, and
# the data through it. Real lvm2 runs under udm-run (its device-mapper is
# this udmd, so its mirror is active); each tool has its own VG of four PVs
# (lvm2's udm linear devices, ulvm's files) with a mirror LV on PVs 0 and 1
# (disk log on PV 2), and the same steps on both print the same (stdout,
# stderr, exit code; names, ids and paths made generic) and leave the same
# LVs: a healthy LV; -m refusals; image 1's device failing (error table)
# with --use-policies (remove), "n" and -f, each leaving a linear LV that
# `lvconvert --type mirror -m 1` mirrors again; "y"; the allocate policy;
# the disk log failing (no answer, -y, the remove policy; --mirrorlog disk
# puts it back); -m 2, a repair of the 3-image mirror, -m 1; no room left;
# PV 1 missing (the new image on free space of another PV). ulvm's LV
# carries ext4 with files written throughout: fsck is clean, the files are
# equal, both images are equal after the resync, and real vgck and lvs read
# ulvm's VG as they read lvm2's.
export UDM_BLOCK_DEVICES=1
. "$(dirname "$0")/common.sh"
requires lvm udm-run mkfs.ext4 e2fsck
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
[ -e /dev/fuse ] && [ -e /dev/loop-control ] || { echo "SKIP: needs /dev/fuse and /dev/loop-control"; exit 77; }
[ -d /dev/mapper ] && [ -w /dev ] || { echo "SKIP: needs a writable /dev/mapper"; exit 77; }
export LVM_SUPPRESS_FD_WARNINGS=1 UDM_NO_AUTOSTART=1
id=$$
A="udmmra$id" B="udmmrb$id"  # lvm2's VG and PV prefix, ulvm's
mkdir -p "$E2E_TMP/backup" "$E2E_TMP/mnt"
EXTRA=""
# lvm2's config: its PVs whose number matches the character class "$1".
cfg() {
  echo "devices{global_filter=[\"a|^/dev/mapper/${A}pv[$1]\$|\",\"r|.*|\"] use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\"} global{use_lvmpolld=0} activation{monitoring=0 $EXTRA} backup{backup=1 backup_dir=\"$E2E_TMP/backup\" archive=0}"
}
# ulvm's: the same PVs (its activation settings: U's --config).
ucfg() {
  local f="" i
  for i in 0 1 2 3; do [[ $i == [$1] ]] && f="$f${f:+,}${P[i]}"; done
  printf 'devices = %s\n' "$f" >"$UDM_LVM_CONFIG"
}
use() { CFG=$(cfg "$1"); ucfg "$1"; }
L() { udm-run lvm "$1" --config "$CFG" "${@:2}"; }
U() { if [ -n "$EXTRA" ]; then ulvm "$1" --config "activation{$EXTRA}" "${@:2}"; else ulvm "$@"; fi; }
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
P=("$E2E_TMP/${B}0.img" "$E2E_TMP/${B}1.img" "$E2E_TMP/${B}2.img" "$E2E_TMP/${B}3.img")
use 0-3
cleanup_fn "umount $E2E_TMP/mnt; L vgremove -ff -y $A; ulvm vgremove -ff -y $B; udmsetup remove_all; rm -rf /dev/$A /dev/$B; rm -f /dev/mapper/$A* /dev/mapper/$B*"

start_daemon
for i in 0 1 2 3; do
  sparse_file "$E2E_TMP/$A$i.img" 64M
  udmsetup create "${A}pv$i" --table "0 131072 linear $E2E_TMP/$A$i.img 0"
  sparse_file "${P[i]}" 64M
done
L vgcreate "$A" /dev/mapper/"${A}"pv{0,1,2,3} >/dev/null 2>&1 || fail "lvm2 vgcreate"
U vgcreate "$B" "${P[@]}" >/dev/null 2>&1 || fail "ulvm vgcreate"
L lvcreate -y --type mirror -m 1 -L 16M -n m "$A" /dev/mapper/"${A}"pv{0,1,2} >/dev/null 2>&1 || fail "lvm2 lvcreate"
U lvcreate -y --type mirror -m 1 -L 16M -n m "$B" "${P[0]}" "${P[1]}" "${P[2]}" >/dev/null 2>&1 || fail "ulvm lvcreate"

# synced VG-LV: until the mirror's every region is in sync and every leg A.
synced() {
  local i s
  for ((i = 0; i < 600; i++)); do
    s=$(udmsetup status "$1" | cut -d' ' -f4-)
    [[ "$s" =~ ^[0-9]+\ .*\ ([0-9]+)/([0-9]+)\ 1\ (A+)\  ]] && [ "${BASH_REMATCH[1]}" == "${BASH_REMATCH[2]}" ] && return 0
    sleep 0.1
  done
  fail "$1 did not get in sync: $s"
}
synced "$A-m"
synced "$B-m"

# ext4 on ulvm's mirror, files written before and between the steps.
mkfs.ext4 -q "/dev/mapper/$B-m" || fail "mkfs"
mount "/dev/mapper/$B-m" "$E2E_TMP/mnt" || fail "mount"
n=0
more_data() {
  head -c 1M /dev/urandom >"$E2E_TMP/mnt/f$n"
  cp "$E2E_TMP/mnt/f$n" "$E2E_TMP/f$n"
  n=$((n + 1))
  sync
}
more_data

# run TOOL INPUT VG ARGS...: TOOL's lvconvert ARGS with VG/... for the VG,
# INPUT on stdin ("-": none); prints rc, stdout and stderr, made generic.
run() {
  local tool=$1 input=$2 vg=$3 rc=0
  shift 3
  local args=("${@//VG/$vg}")
  if [ "$input" == - ]; then
    $tool lvconvert "${args[@]}" </dev/null >"$E2E_TMP/o" 2>"$E2E_TMP/e" || rc=$?
  else
    printf '%s' "$input" | $tool lvconvert "${args[@]}" >"$E2E_TMP/o" 2>"$E2E_TMP/e" || rc=$?
  fi
  echo "rc=$rc"
  # The copy's progress before 100% depends on timing; lvm2 under udm-run
  # also says what it could not do to /dev nodes udmd owns, and names a
  # missing PV more often than ulvm.
  grep -v "Converted: [0-9.]*%" "$E2E_TMP/o" | grep -v "^ *$" || true
  grep "Converted: 100.00%" "$E2E_TMP/o" | sort -u || true
  echo "--"
  # Each check of the copy reads the VG again: its warnings come as often.
  grep -v "Unable to rename device node\|Couldn't find device with uuid" "$E2E_TMP/e" | uniq || true
}
generic() {
  sed -e "s|/dev/mapper/${A}pv\([0-9]\)|PV\1|g; s|$E2E_TMP/$B\([0-9]\).img|PV\1|g; s/$A\|$B/VG/g" \
      -e 's/uuid [0-9A-Za-z-]\{38\}/uuid ID/g; s/PV [0-9A-Za-z-]\{38\}/PV ID/g'
}
# lvs_of TOOL VG: the VG's LVs, the open flag left out (ulvm's LV is mounted).
lvs_of() {
  $1 lvs -a --noheadings --separator '|' -o name,attr,devices,mirror_log "$2" 2>/dev/null | generic |
    sed 's/^\( *[^|]*|.....\)./\1-/'
}
# same NAME INPUT ARGS...: both tools print the same, and their LVs look the
# same (-i 1: a copy not done at the first check is checked again in a second).
same() {
  local name=$1 input=$2 want got
  shift 2
  want=$(run L "$input" "$A" "$@" | generic)
  got=$(run U "$input" "$B" "$@" | generic)
  [ "$got" == "$want" ] || fail "$name: lvm2 printed
$want
ulvm printed
$got"
  want=$(lvs_of L "$A")
  got=$(lvs_of U "$B")
  [ "$got" == "$want" ] || fail "$name: lvm2's LVs
$want
ulvm's
$got"
}
# fail_dev VG SUBLV: the sub-LV's device errors; writes until the mirror says so.
fail_dev() {
  local size i
  size=$(udmsetup table "$1-$2" | cut -d' ' -f2)
  udmsetup load "$1-$2" --table "0 $size error"
  udmsetup suspend "$1-$2"
  udmsetup resume "$1-$2"
  for ((i = 0; i < 100; i++)); do
    dd if=/dev/urandom of="/dev/mapper/$1-m" bs=4k count=1 seek=$((4000 + i % 16)) oflag=direct conv=notrunc status=none
    [[ "$(udmsetup status "$1-m")" =~ \ 1\ [AD]*D[AD]*\ |\ D$ ]] && return 0
    sleep 0.1
  done
  fail "$1-m after the failure of $2: $(udmsetup status "$1-m")"
}
# Keeps ulvm's file system away from what lvm2's LV (no file system) gets.
fail_dev_b() { sync; fail_dev "$B" "$@"; }
remirror() {
  same "$1: mirrored again" - -i 1 --type mirror -m 1 VG/m
  synced "$A-m"
  synced "$B-m"
  more_data
}

same "healthy, -y" - -i 1 -y --repair VG/m
same "-m 8" - -m 8 VG/m
same "-m -5" - -m -5 VG/m
same "-m 1, as it is" - -m 1 VG/m
fail_dev "$A" m_mimage_1
fail_dev_b m_mimage_1
more_data
same "failed image, --use-policies (remove)" - -i 1 --use-policies --repair VG/m
more_data
remirror "after remove"
fail_dev "$A" m_mimage_1
fail_dev_b m_mimage_1
same "failed image, n" $'n\n' -i 1 --repair VG/m
remirror "after n"
fail_dev "$A" m_mimage_1
fail_dev_b m_mimage_1
same "failed image, y" $'y\n' -i 1 --repair VG/m
synced "$A-m"
synced "$B-m"
more_data
fail_dev "$A" m_mimage_1
fail_dev_b m_mimage_1
same "failed image, -f" - -i 1 -f --repair VG/m
remirror "after -f"
EXTRA='mirror_image_fault_policy="allocate"'
use 0-3
fail_dev "$A" m_mimage_0
fail_dev_b m_mimage_0
same "failed image 0, --use-policies (allocate)" - -i 1 --use-policies --repair VG/m
EXTRA=""
use 0-3
synced "$A-m"
synced "$B-m"
more_data
fail_dev "$A" m_mlog
fail_dev_b m_mlog
same "failed log, no answer" - -i 1 --repair VG/m
same "core log, -y" - -i 1 -y --repair VG/m
more_data
same "log back" - --mirrorlog disk VG/m
fail_dev "$A" m_mlog
fail_dev_b m_mlog
same "failed log, -y" - -i 1 -y --repair VG/m
EXTRA='mirror_log_fault_policy="remove"'
use 0-3
fail_dev "$A" m_mlog
fail_dev_b m_mlog
same "failed log, --use-policies (remove)" - -i 1 --use-policies --repair VG/m
EXTRA=""
use 0-3
same "log back again" - --mirrorlog disk VG/m
same "-m 2" - -i 1 -m 2 VG/m
synced "$A-m"
synced "$B-m"
fail_dev "$A" m_mimage_1
fail_dev_b m_mimage_1
same "3 images, image 1 failed, -y" - -i 1 -y --repair VG/m
synced "$A-m"
synced "$B-m"
more_data
same "-m 1" - -i 1 -m 1 VG/m
# No room for another image: the repair leaves a linear LV.
L lvcreate -y -l 100%FREE -n fill "$A" >/dev/null 2>&1 || fail "lvm2 fill"
U lvcreate -y -l 100%FREE -n fill "$B" >/dev/null 2>&1 || fail "ulvm fill"
# -m 1 kept images 0 and 2.
fail_dev "$A" m_mimage_2
fail_dev_b m_mimage_2
same "no room, -y" - -i 1 -y --repair VG/m
L lvremove -y "$A/fill" >/dev/null 2>&1 || fail "lvm2 lvremove fill"
U lvremove -y "$B/fill" >/dev/null 2>&1 || fail "ulvm lvremove fill"
remirror "after no room"
# real_lvm2 OUT NUMBERS CMD...: real lvm2 (no device-mapper) runs CMD on
# read-only loops over ulvm's PV files of those NUMBERS; OUT gets what it
# printed (loops named PVn), its exit code is CMD's.
real_lvm2() {
  local out=$1 nums=$2 i rc=0 q=() s=""
  shift 2
  for i in $nums; do q[i]=$(attach_loop -r "${P[i]}"); s="$s; s|${q[i]}\([^0-9]\)|PV$i\1|g"; done
  lvm "$@" --config "$(lvm_cfg "${q[@]}")" >"$E2E_TMP/real" 2>&1 || rc=$?
  for i in $nums; do detach_loop "${q[i]}"; done
  sed -e "${s#; }" "$E2E_TMP/real" | generic >"$out"
  return $rc
}
# Real lvm2 reads what ulvm wrote: the mirror, its images and log.
sync
real_lvm2 "$E2E_TMP/vgck" "0 1 2 3" vgck "$B" || fail "real vgck: $(cat "$E2E_TMP/vgck")"
real_lvm2 "$E2E_TMP/lvs" "0 1 2 3" lvs -a --noheadings -o name,segtype,devices "$B" || fail "real lvs: $(cat "$E2E_TMP/lvs")"
want=$(L lvs -a --noheadings -o name,segtype,devices "$A" 2>/dev/null | generic | tr -s ' ' | sed 's/ *$//')
[ "$(grep -v WARNING "$E2E_TMP/lvs" | tr -s ' ' | sed 's/ *$//')" == "$want" ] || fail "real lvs of ulvm's VG:
$(cat "$E2E_TMP/lvs")
of lvm2's:
$want"
# PV 1 out of sight: the image on it is replaced on a PV the LV does not use.
sync
use 023
same "PV 1 missing, -y" - -i 1 -y --repair VG/m
synced "$A-m"
synced "$B-m"
more_data
case "$(U lvs -a --noheadings -o devices "$B/m_mimage_1" 2>/dev/null)" in *"${P[1]}"*) fail "the new image is on the missing PV";; esac

# The data: every file, a clean file system, equal images.
umount "$E2E_TMP/mnt"
e2fsck -fn "/dev/mapper/$B-m" >"$E2E_TMP/fsck" 2>&1 || fail "fsck: $(cat "$E2E_TMP/fsck")"
mount "/dev/mapper/$B-m" "$E2E_TMP/mnt" || fail "mount again"
for ((i = 0; i < n; i++)); do cmp -s "$E2E_TMP/f$i" "$E2E_TMP/mnt/f$i" || fail "file f$i differs"; done
umount "$E2E_TMP/mnt"
cmp "/dev/mapper/$B-m_mimage_0" "/dev/mapper/$B-m_mimage_1" || fail "the images differ after the resync"
# Real lvm2 judges ulvm's VG with PV 1 missing as it judges its own.
sync
rc=0
L vgck "$A" >"$E2E_TMP/want" 2>&1 || rc=$?
real_lvm2 "$E2E_TMP/got" "0 2 3" vgck "$B" || [ $? == $rc ] || fail "real vgck of ulvm's VG: exit code not $rc"
want=$(grep -v "Couldn't find device\|Activation disabled" "$E2E_TMP/want" | generic | sed 's/last written to [^)]*/last written to X/')
got=$(grep -v "Couldn't find device\|Activation disabled" "$E2E_TMP/got" | sed 's/last written to [^)]*/last written to X/')
[ "$got" == "$want" ] || fail "real vgck of ulvm's VG:
$got
of lvm2's:
$want"
real_lvm2 "$E2E_TMP/lvs" "0 2 3" lvs -a --noheadings -o name,segtype,devices "$B" || fail "real lvs: $(cat "$E2E_TMP/lvs")"
want=$(L lvs -a --noheadings -o name,segtype,devices "$A" 2>/dev/null | generic | tr -s ' ' | sed 's/ *$//')
got=$(grep -v "WARNING" "$E2E_TMP/lvs" | tr -s ' ' | sed 's/ *$//')
[ "$got" == "$want" ] || fail "real lvs of ulvm's VG:
$got
of lvm2's:
$want"
echo PASS
