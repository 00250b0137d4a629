#!/bin/bash
# udmsetup against the real Debian dmsetup 1.02.185, both talking to the same
# udmd (dmsetup through udm-run's preload shim): stdout, stderr and exit code
# must be identical. Known, intended differences are not compared: the
# Library version line and the program name in usage/getopt messages.
. "$(dirname "$0")/common.sh"
requires dmsetup udm-run
start_daemon --no-fuse --no-nbd

# Both tools make devices; each then reads what the other made.
udm-run --rundir "$UDM_RUNDIR" dmsetup create x --table "0 8 zero" || fail "real dmsetup create"
udmsetup create y -u DEMO-uuid --table "0 16 zero
16 16 zero"
udm-run --rundir "$UDM_RUNDIR" dmsetup create n --notable
udmsetup load n --table "0 4 zero"
udmsetup create l --table "0 8 linear 252:0 0"
udm-run --rundir "$UDM_RUNDIR" dmsetup suspend y

for args in "ls" "info" "info x" "info y n" "info -c" "info -c y" \
    "info -c -o name,attr,tables_loaded,devno" "info -c --noheadings" "info -c --separator ," \
    "info -c --nameprefixes" "info -c -O -minor" "info -c --rows" "info -c --rows --noheadings" \
    "info -c --rows --nameprefixes -o name,minor" "info -c --rows --separator , x y" "info -c -o name,devs_used,devnos_used,device_count" \
    "info -c -o +subsystem,vg_name,lv_name" "info -c -o help" "info -u DEMO-uuid" "info -j 252 -m 1" \
    "table" "table y" "table x y" "table n" "table --inactive n" "table --target zero" "table -v x" \
    "status" "status y" "status --target linear" "deps" "deps l" "deps -v l" "ls --target zero" \
    "ls --tree" "ls --tree -o ascii" "ls -o blkdevname" "targets" "target-version zero linear" \
    "mknodes" "mknodes x" "splitname vg-lv" "splitname -o vg_name,lv_name,subsystem --noheadings my--vg-lv"; do
  # shellcheck disable=SC2086
  same $args
done
# version's first line is udm's own library; compare the rest.
udm-run --rundir "$UDM_RUNDIR" dmsetup version | sed 1d >"$E2E_TMP/d.v"
udmsetup version | sed 1d >"$E2E_TMP/u.v"
cmp -s "$E2E_TMP/d.v" "$E2E_TMP/u.v" || fail "Driver version line differs"

# Error paths (they change nothing, so both see the same state).
for args in "info nope" "status nope" "table nope" "remove nope" "suspend nope" "resume nope" \
    "deps nope" "rename nope z" "wait nope" "clear nope" "remove x" "rename x y" \
    "message x 0 hello" "message x x hello" "target-version nope" "info -c -o nope" "create" \
    "load" "wait" "load x --notable" "info -j 252" "create x --notable" "create q /nonexistent"; do
  # shellcheck disable=SC2086
  same $args
done
same create x --table "0 8 zero"
same create q -u DEMO-uuid --table "0 8 zero"
same create q --table "0 8 nonsense"
same create q --table "0 8"
same create q --table "0 8 zero" --notable

# Target messages with and without a reply.
udmsetup create dust --table "0 8 dust 252:0 0 512"
same message dust 0 countbadblocks
same message dust 0 queryblock 3
same message dust 0 listbadblocks
same message dust 0 bogus
udmsetup message dust 0 addbadblock 3
same message dust 0 listbadblocks
udmsetup remove dust

# Trees: a stack with several children at several depths, in every layout.
devno() { udmsetup info -c --noheadings -o devno "$1"; }
udmsetup create t1 --table "0 8 zero"
udmsetup create t2 --table "0 8 zero"
udmsetup create t3 --table "0 8 zero"
udmsetup create tl --table "0 8 linear $(devno t1) 0
8 8 linear $(devno t2) 0"
udmsetup create tm --table "0 8 linear $(devno t1) 0
8 8 linear $(devno t2) 0
16 8 linear $(devno t3) 0"
udmsetup create ttop --table "0 16 linear $(devno tl) 0"
udmsetup create tc2 --table "0 16 linear $(devno ttop) 0"
udmsetup create tm2 --table "0 16 linear $(devno ttop) 0
16 24 linear $(devno tm) 0"
for o in "" "-o compact" "-o compact,ascii" "-o compact,nodevice" "-o inverted" "-o compact,inverted" \
    "-o active,rw,open,uuid" "-o ascii,active" "-o nodevice" "-o compact,active" "-o bogus" \
    "-o blkdevname" "-o blkdevname,compact" "-o blkdevname,compact,notrunc" "-o inverted,blkdevname"; do
  # shellcheck disable=SC2086
  same ls --tree $o
  # shellcheck disable=SC2086
  LC_ALL=C same ls --tree $o >/dev/null
done
for d in tm2 tc2 ttop tm tl t3 t2 t1; do udmsetup remove "$d"; done
# Lines longer than 80 columns are cut to 79 and "..." (the names: 80 and 81 long).
udmsetup create "$(printf 'z%.0s' {1..80})" --table "0 8 zero"
udmsetup create "$(printf 'z%.0s' {1..81})" --table "0 8 zero"
same ls --tree -o nodevice
same ls --tree -o nodevice,notrunc
udmsetup remove "$(printf 'z%.0s' {1..80})"
udmsetup remove "$(printf 'z%.0s' {1..81})"
same ls -o blkdevname
same ls -o devname
same deps -o devname
same deps -o blkdevname
same info -c -o name,blkdevname,blkdevs_used,devs_used

# Concise tables, and concise entries that fail before creating anything.
same table --concise
same table --concise x y
udmsetup create --concise 'cz,UUID-cz,,ro,0 4 zero,4 4 zero'
same table --concise cz
udmsetup remove cz
for spec in 'c1,,,' 'c2,,,rx,0 8 zero' ';c3,,,,0 8 zero' 'c4,,,,0 8 zero\' 'c5,,,,0 8'; do
  same create --concise "$spec"
done

# Names and uuids outside dmsetup's whitelist are mangled (\xNN) on the way
# in and shown unmangled, whichever tool made them.
udm-run --rundir "$UDM_RUNDIR" dmsetup create 'm a,b' -u 'u x,y' --table "0 8 zero"
udmsetup create 'k%1' -u 'v p' --table "0 8 linear $(devno 'm a,b') 0"
for args in "ls" "info" "info -c" "info -c -o name,mangled_name,unmangled_name,uuid,mangled_uuid" \
    "table" "table --concise" "ls --tree" "deps" "info -c -o devs_used,name"; do
  # shellcheck disable=SC2086
  same $args
done
same info 'm a,b'
same info 'm\x20a\x2cb'
same info -u 'u x,y'
udmsetup remove 'k%1'
udm-run --rundir "$UDM_RUNDIR" dmsetup remove 'm a,b'

# Changes made one way and read back the other way.
udm-run --rundir "$UDM_RUNDIR" dmsetup resume y
same info -c y
udmsetup rename n m
udmsetup rename m --setuuid UUID-m
same info m
udm-run --rundir "$UDM_RUNDIR" dmsetup remove l
udmsetup remove x
same ls
echo "vs_dmsetup: $compared commands identical"
