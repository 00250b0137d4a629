# A new LV never shows the bytes of an old one on the same extents: lvcreate
# wipes known signatures (-W, asked about unless -y) and zeroes the first
# 4 KiB (-Z), as lvm does by default. -Zn -Wn leave the old bytes and warn.
. "$(dirname "$0")/common.sh"
requires udmd mkfs.ext4 mkswap blkid
[ -e /dev/fuse ] || { echo "SKIP: no /dev/fuse"; exit 77; }
vg0_on_file 64M
start_daemon
dev() { local f="$UDM_RUNDIR/dev/vg0/$1" i; for ((i=0; i<100; i++)); do [ -e "$f" ] && break; sleep 0.05; done; echo "$f"; }
# type_is LV TYPE: blkid -p finds TYPE ("" = nothing) on the LV's FUSE file.
type_is() {
  local f t
  f=$(dev "$1")
  [ -e "$f" ] || fail "no FUSE file for vg0/$1"
  t=$(blkid -p -o value -s TYPE "$f" 2>/dev/null || true)
  [ "$t" == "$2" ] || fail "vg0/$1: blkid -p found [$t], expected [$2]"
}
# gone LV: removes it once its FUSE file is closed (closing is asynchronous).
gone() { local i; for ((i=0; i<50; i++)); do ulvm lvremove -y "vg0/$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; fail "lvremove $1"; }

# An ext4 LV removed, a new LV on the same extents: nothing left.
ulvm lvcreate -y -L 16M -n old vg0 >/dev/null || fail "lvcreate old"
mkfs.ext4 -q -F "$(dev old)"
type_is old ext4
gone old
expect_out '  Wiping ext4 signature on /dev/vg0/new.
  Logical volume "new" created.' ulvm lvcreate -y -L 16M -n new vg0
type_is new ""
[ "$(head -c 4096 "$(dev new)" | tr -d '\0' | wc -c)" == 0 ] || fail "first 4 KiB of the new LV not zeroed"

# Without -y the question is asked; answered no the signature stays asked
# about, but zeroing the first 4 KiB still clears ext4's superblock.
mkfs.ext4 -q -F "$(dev new)"
gone new
rc=0; ulvm lvcreate -L 16M -n asked vg0 </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
expect_eq "$rc" 0 "lvcreate answered n"
expect_eq "$(cat "$E2E_TMP/err")" 'WARNING: ext4 signature detected on /dev/vg0/asked at offset 1080. Wipe it? [y/n]: [n]
  Aborted wiping of ext4.
  1 existing signature left on the device.' "lvcreate question"
type_is asked ""

# swap, with -Zn -Wy: wiped though not zeroed.
mkswap -q "$(dev asked)" >/dev/null
gone asked
expect_out '  Wiping swap signature on /dev/vg0/sw.
  Logical volume "sw" created.' ulvm lvcreate -y -Zn -Wy -L 16M -n sw vg0
type_is sw ""

# -Zn -Wn: the old filesystem is still there, and lvm's warning says so.
mkfs.ext4 -q -F "$(dev sw)"
gone sw
expect_out '  Logical volume "keep" created.' ulvm lvcreate -Zn -Wn -L 16M -n keep vg0
expect_eq "$(cat "$E2E_TMP/stderr")" '  WARNING: Logical volume vg0/keep not zeroed.' "-Zn warning"
type_is keep ext4
# -Zn alone: -W follows -Z, so nothing is wiped either.
gone keep
ulvm lvcreate -Zn -L 16M -n keep2 vg0 >/dev/null 2>&1 || fail "lvcreate -Zn"
type_is keep2 ext4

# Inactive (-an) new LVs are cleaned too: the writes go to the PV itself.
gone keep2
ulvm lvcreate -y -an -L 16M -n cold vg0 >/dev/null || fail "lvcreate -an"
ulvm lvchange -ay vg0/cold || fail "lvchange -ay"
type_is cold ""
expect_fail 3 '  Invalid argument for --zero: maybe
  Run `lvcreate --help'"'"' for more information.' ulvm lvcreate -Zmaybe -L 4M -n bad vg0
echo PASS
