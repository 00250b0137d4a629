#!/bin/bash
# A read-only table opens its backing file read-only: a file that cannot be
# opened for writing (immutable) still maps read-only, and a read-write table
# over it is refused.
. "$UDM_E2E_LIB"
requires chattr udmd udmsetup
export UDM_NO_AUTOSTART=1

start_daemon --no-fuse --no-nbd
img="$E2E_TMP/ro.img"
printf 'udm-readonly-data' | dd of="$img" bs=1M count=1 conv=sync status=none
chattr +i "$img" || { echo "SKIP: filesystem has no immutable flag"; exit 77; }
cleanup_fn "chattr -i $img"

udmsetup create r --readonly --table "0 2048 linear $img 0"
expect_eq "$(udmsetup info -c --noheadings -o attr r)" "L--r" "read-only device attr"
not udmsetup create w --table "0 2048 linear $img 0" 2>/dev/null
expect_eq "$(udmsetup ls --target linear | wc -l)" "1" "devices with a linear table"
udmsetup remove r
echo "ok"
