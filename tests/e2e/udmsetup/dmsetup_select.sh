#!/bin/bash
# dmsetup's -S/--select (libdevmapper's selection grammar over the info -c
# fields) on info -c and the per-device commands, the *_using_dev and
# selected fields, and ls --exec: udmsetup against the real dmsetup through
# udm-run on the same udmd; stdout, stderr and exit codes must be identical.
. "$(dirname "$0")/common.sh"
requires dmsetup udm-run
start_daemon --no-fuse --no-nbd
# The node path --exec passes: the same for both tools.
export DM_DEV_DIR="$UDM_RUNDIR/devdir"

devno() { udmsetup info -c --noheadings -o devno "$1"; }

# A small stack: t1 used by t2 and t3, t2 used by t3; x alone with a uuid;
# s suspended; n with no table.
udmsetup create t1 --table "0 8 zero"
udmsetup create t2 --table "0 8 linear $(devno t1) 0"
udmsetup create t3 --table "0 8 linear $(devno t1) 0
8 8 linear $(devno t2) 0"
udmsetup create x -u LVM-abc-x --table "0 16 zero"
udmsetup create s --table "0 4 error"
udmsetup suspend s
udmsetup create n --notable

n=0
while IFS= read -r sel; do
  [ -n "$sel" ] || continue
  same info -c -S "$sel"
  n=$((n + 1))
done <<'EOF_SEL'
name=t1
name!=t1
name="t1"
name='t2'
name=~^t
name=~t[12]
name!~^t
name=~'^(t1|x)$'
name=~(t1)
minor>1
minor>=2
minor<2
minor<=1
minor=3
minor!=3
open=0
open>0
segments>=2
segments=0
events=0
uuid=""
uuid=LVM-abc-x
uuid=~^LVM
subsystem=LVM
vg_name=abc
attr=~^L
attr=~s
attr=--sw
tables_loaded=None
tables_loaded=Live
suspended=Suspended
readonly=Writeable
devno=~:1$
device_count=2
device_count>0
devs_used=~t2
devnos_used=~252
blkdevs_used=~dm-
device_ref_count>0
device_ref_count=2
names_using_dev=~t3
names_using_dev=""
devnos_using_dev=~252:3
read_ahead>100
name=t1&&minor<3
name=t1,minor=1
name=t1 || minor=3
name=t1#minor=3
!(name=t1)
!(name=t1 || name=t2)
(minor=1 || minor=2) && name!~2
(name=~t && open>0) || segments=0
name=t1 && (open=2 || open=0)
all
minor>=x
minor=-1
name=t1 garbage
name>t1
minor
name='t1
name=~[
name=~
!name=t1
(name=t1
!(name=t1
name=t1)
EOF_SEL
[ "$n" -ge 40 ] || fail "only $n selections"

for args in "info -c -o name,device_ref_count,names_using_dev,devnos_using_dev,selected" \
    "info -c -o name,selected -S name=t1" "info -c -o name,devnos_using_dev t1" \
    "info -c -o name,device_ref_count --nameprefixes t1" "info -c -o name,names_using_dev --rows t1 t2" \
    "info -c -o deps_all" "info -c -o +names_using_dev -O -minor" "info -c --noheadings -S minor>1" \
    "table -S name=t1" "status -S name=~^t" "deps -S name=t3" "table -S minor>50" "ls -S name=t1" \
    "info -S name=t1" "deps -o devname -S name=t3" "table -S name=t1&&open>0" \
    "ls --exec echo" "ls --exec echo -v" "ls --exec echo --target linear" "ls --exec /nonexistent" \
    "table --exec echo" "status --exec echo t1" "ls --exec true"; do
  # shellcheck disable=SC2086
  same $args
done
same ls --exec "echo a b"
same table -S "name=~^t && segments=1"

# Commands that change devices run on what the selection takes.
udm-run --rundir "$UDM_RUNDIR" dmsetup resume -S 'name=s'
expect_eq "$(udmsetup info -c --noheadings -o attr s)" "L--w"
udmsetup suspend -S 'name=s || name=x'
expect_eq "$(udmsetup info -c --noheadings -o name -S 'suspended=Suspended' | tr '\n' ' ')" "s x "
udmsetup resume -S 'suspended=Suspended'
udmsetup remove -S 'name=~^t3$ || name=n'
expect_eq "$(udmsetup ls | cut -f1 | tr '\n' ' ')" "s t1 t2 x "
echo "dmsetup_select: $compared commands identical"
