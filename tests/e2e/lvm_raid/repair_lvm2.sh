#!/bin/bash
# `ulvm lvconvert --repair` against real lvm2's, byte for byte. Real lvm2
# runs under udm-run (its device-mapper is this udmd, so its raid1 LV is
# active and it gets as far as ulvm does; with activation=0 it stops at
# "must be active"). Each tool has its own VG of three PVs (lvm2's are udm
# linear devices, its /dev/mapper block devices; ulvm's the files) with a
# raid1 LV on the first two; the same steps run on both and what they print
# (stdout, stderr, exit code; VG names, PV ids and paths made generic) must
# be the same: a healthy LV with -y and with no answer, leg 1 failed with no
# free PV left (-y, "n", "y"), an LV that is not raid, a VG without LV, the
# failed leg's PV missing (-y, "n"), then the repair onto the freed PV.
export UDM_BLOCK_DEVICES=1
. "$(dirname "$0")/common.sh"
requires lvm udm-run python3
[ "$(id -u)" == 0 ] || { echo "SKIP: needs root for loop devices"; exit 77; }
[ -e /dev/fuse ] && [ -e /dev/loop-control ] || { echo "SKIP: needs /dev/fuse and /dev/loop-control"; exit 77; }
[ -d /dev/mapper ] && [ -w /dev ] || { echo "SKIP: needs a writable /dev/mapper"; exit 77; }
export LVM_SUPPRESS_FD_WARNINGS=1 UDM_NO_AUTOSTART=1
id=$$
A="udmrpa$id" B="udmrpb$id"  # lvm2's VG and PV prefix, ulvm's
mkdir -p "$E2E_TMP/backup"
# lvm2's config: its PVs whose number matches the character class "$1".
cfg() {
  echo "devices{global_filter=[\"a|^/dev/mapper/${A}pv[$1]\$|\",\"r|.*|\"] use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\"} global{use_lvmpolld=0} activation{monitoring=0} backup{backup=1 backup_dir=\"$E2E_TMP/backup\" archive=0}"
}
CFG=$(cfg 0-2)
L() { udm-run lvm "$1" --config "$CFG" "${@:2}"; }
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
P=("$E2E_TMP/${B}0.img" "$E2E_TMP/${B}1.img" "$E2E_TMP/${B}2.img")
echo "devices = ${P[0]},${P[1]},${P[2]}" >"$UDM_LVM_CONFIG"
U() { ulvm "$@"; }
cleanup_fn "L vgremove -ff -y $A; ulvm vgremove -ff -y $B; udmsetup remove_all; rm -rf /dev/$A /dev/$B; rm -f /dev/mapper/$A* /dev/mapper/$B*"
# ulvm's PVs are files (stacked_pvs.sh runs ulvm's repair on udm devices).

start_daemon
for i in 0 1 2; do
  sparse_file "$E2E_TMP/$A$i.img" 64M
  udmsetup create "${A}pv$i" --table "0 131072 linear $E2E_TMP/$A$i.img 0"
  sparse_file "${P[i]}" 64M
done
for i in 0 1 2; do [ -b "/dev/mapper/${A}pv$i" ] || fail "no /dev/mapper/${A}pv$i"; done
L vgcreate "$A" /dev/mapper/"${A}"pv{0,1,2} >/dev/null 2>&1 || fail "lvm2 vgcreate"
U vgcreate "$B" "${P[@]}" >/dev/null 2>&1 || fail "ulvm vgcreate"
L lvcreate -y --type raid1 -m 1 -L 16M -n r "$A" /dev/mapper/"${A}"pv{0,1} >/dev/null 2>&1 || fail "lvm2 lvcreate"
U lvcreate -y --type raid1 -m 1 -L 16M -n r "$B" "${P[0]}" "${P[1]}" >/dev/null 2>&1 || fail "ulvm lvcreate"
wait_idle "$A-r"
wait_idle "$B-r"

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
  # Under udm-run lvm2 also says what it could not do to /dev nodes udmd owns.
  cat "$E2E_TMP/o"; echo "--"; grep -v "Unable to rename device node" "$E2E_TMP/e" || true
}
generic() { sed -e "s|/dev/mapper/${A}pv\([0-9]\)|PV\1|g; s|$E2E_TMP/$B\([0-9]\).img|PV\1|g; s/$A\|$B/VG/g" -e 's/uuid [0-9A-Za-z-]\{38\}/uuid ID/g; s/PV [0-9A-Za-z-]\{38\}/PV ID/g'; }
# same NAME INPUT ARGS...: both tools print the same.
same() {
  local name=$1 input=$2 want got
  shift 2
  want=$(run L "$input" "$A" "$@" | generic)
  got=$(run U "$input" "$B" "$@" | generic)
  [ "$got" == "$want" ] || fail "$name: lvm2 printed
$want
ulvm printed
$got"
}
fail_leg1() {  # VG: leg 1's device errors; a write marks it failed
  udmsetup load "$1-r_rimage_1" --table "0 32768 error"
  udmsetup suspend "$1-r_rimage_1"
  udmsetup resume "$1-r_rimage_1"
  dd if=/dev/urandom of="/dev/mapper/$1-r" bs=4k count=4 oflag=direct conv=notrunc status=none
  case "$(raid_status "$1-r")" in "raid1 2 AD "*) ;; *) fail "$1-r after the failure: $(raid_status "$1-r")";; esac
}

same "healthy, -y" - -y --repair VG/r
same "healthy, no answer" - --repair VG/r
L lvcreate -y -l 100%FREE -n fill "$A" "/dev/mapper/${A}pv2" >/dev/null 2>&1 || fail "lvm2 fill"
U lvcreate -y -l 100%FREE -n fill "$B" "${P[2]}" >/dev/null 2>&1 || fail "ulvm fill"
fail_leg1 "$A"
fail_leg1 "$B"
same "failed leg, no space, -y" - -y --repair VG/r
same "failed leg, no space, n" $'n\n' --repair VG/r
same "failed leg, no space, y" $'y\n' --repair VG/r
same "not raid" - -y --repair VG/fill
same "no such LV" - -y --repair VG/nosuch
same "VG only" - -y --repair VG
# Leg 1's PV missing: lvm2 filters it out, ulvm is not told of it.
CFG=$(cfg 02)
echo "devices = ${P[0]},${P[2]}" >"$UDM_LVM_CONFIG"
same "missing PV, no space, -y" - -y --repair VG/r
same "missing PV, n" $'n\n' --repair VG/r
CFG=$(cfg 0-2)
P=("$E2E_TMP/${B}0.img" "$E2E_TMP/${B}1.img" "$E2E_TMP/${B}2.img")
echo "devices = ${P[0]},${P[1]},${P[2]}" >"$UDM_LVM_CONFIG"
# Room on PV 2 again: both replace leg 1 there and resync.
L lvremove -y "$A/fill" >/dev/null 2>&1 || fail "lvm2 lvremove"
U lvremove -y "$B/fill" >/dev/null 2>&1 || fail "ulvm lvremove"
same "failed leg, -y" - -y --repair VG/r
wait_idle "$A-r"
wait_idle "$B-r"
pv2=$(udmsetup info -c --noheadings -o major,minor --separator : "${A}pv2" | tr -d ' ')
case "$(udmsetup table "$A-r_rimage_1")" in *" $pv2 "*) ;; *) fail "lvm2's new leg not on PV 2: $(udmsetup table "$A-r_rimage_1")";; esac
case "$(udmsetup table "$B-r_rimage_1")" in *" ${P[2]} "*) ;; *) fail "ulvm's new leg not on PV 2: $(udmsetup table "$B-r_rimage_1")";; esac
echo PASS
