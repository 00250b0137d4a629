# The .deb: scripts/package.sh builds it, dpkg installs it on this machine,
# the installed programs run a smoke test (udmd by hand on a private run
# directory, the unit checked by systemd-analyze verify, a VG, an LV, ext4 on
# a loop device over the LV's FUSE file, mount, write, unmount, fsck), then
# dpkg --purge. Whatever happens, the package is purged and nothing stays
# mounted or attached. Runs only with UDM_TEST_DEB=1 (scripts/test.sh sets it
# after the normal pass): it changes what is installed on the machine.
. "$UDM_E2E_LIB"
[ "${UDM_TEST_DEB:-0}" = 1 ] || { echo "SKIP: installs a package on this machine; set UDM_TEST_DEB=1"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
requires dpkg cmake cpack dpkg-shlibdeps mkfs.ext4 e2fsck losetup mount
[ -e /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }
# Only the package's programs: take the build's bin/ off PATH.
PATH=$(tr ':' '\n' <<<"$PATH" | grep -vxF "$UDM_BIN" | paste -sd:)
export PATH

MNT="$E2E_TMP/mnt"
LOOP=""
teardown() {
  mountpoint -q "$MNT" 2>/dev/null && { umount "$MNT" || umount -l "$MNT"; }
  [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null
  local i pid; pid=$(cat "$UDM_RUNDIR/udmd.pid" 2>/dev/null) || pid=""
  if [ -n "$pid" ]; then
    kill -TERM "$pid" 2>/dev/null
    for ((i=0; i<100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null
  fi
  fusermount3 -u -z "$UDM_RUNDIR/dev" 2>/dev/null
  dpkg --purge udm >/dev/null 2>&1
  true
}
cleanup_fn teardown
# A package left by an earlier run that died goes first.
dpkg --purge udm >/dev/null 2>&1 || true

# build-deb/ in the tree (as scripts/package.sh makes it): the same relative
# paths as build/, so ccache serves what the normal build compiled.
deb=$("$UDM_SOURCE/scripts/package.sh" 2>"$E2E_TMP/package.log" | tail -1) ||
  { tail -30 "$E2E_TMP/package.log"; fail "scripts/package.sh"; }
[ -f "$deb" ] || fail "no .deb from scripts/package.sh"
dpkg-deb -f "$deb" Depends | grep -q 'libc6' || fail "Depends from shlibdeps missing: $(dpkg-deb -f "$deb" Depends)"
dpkg -i "$deb" >"$E2E_TMP/dpkg.log" 2>&1 || { cat "$E2E_TMP/dpkg.log"; fail "dpkg -i $deb"; }
for f in /usr/sbin/udmd /usr/bin/udmsetup /usr/bin/ulvm /usr/bin/udm-run /usr/include/udm/libudm.h; do
  dpkg -S "$f" >/dev/null 2>&1 || fail "$f is not in the package"
done
dpkg -L udm | grep -q '/libudm\.so\.0$' || fail "libudm.so.0 is not in the package"
dpkg -L udm | grep -q '/udm/libudm-preload\.so$' || fail "libudm-preload.so is not in the package"
unit=$(dpkg -L udm | grep '/udmd\.service$') || fail "udmd.service is not in the package"
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify "$unit" 2>&1 | grep -F 'udmd.service' || true)
  [ -z "$out" ] || fail "systemd-analyze verify $unit: $out"
fi
v=$(sed -n 's/^project(udm VERSION \([0-9.]*\).*/\1/p' "$UDM_SOURCE/CMakeLists.txt")
expect_eq "$(/usr/sbin/udmd --version)" "udmd $v" "installed udmd --version"
expect_eq "$(/usr/bin/udm-run --version)" "udm-run $v" "installed udm-run --version"

# udmd by hand (it forks once its socket listens), on this test's run directory.
/usr/sbin/udmd --rundir "$UDM_RUNDIR" || fail "udmd did not start: $(cat "$UDM_RUNDIR/udmd.log" 2>/dev/null)"
pid=$(cat "$UDM_RUNDIR/udmd.pid")
expect_eq "$(readlink "/proc/$pid/exe")" "/usr/sbin/udmd" "running udmd"

PV="$E2E_TMP/pv0.img"
sparse_file "$PV" 128M
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = $PV" >"$UDM_LVM_CONFIG"
/usr/bin/ulvm pvcreate "$PV" >/dev/null || fail "pvcreate"
/usr/bin/ulvm vgcreate debvg "$PV" >/dev/null || fail "vgcreate"
/usr/bin/ulvm lvcreate -L 64M -n data debvg >/dev/null || fail "lvcreate"
f="$UDM_RUNDIR/dev/debvg/data"
for ((i=0; i<100; i++)); do [ -e "$f" ] && break; sleep 0.05; done
[ -e "$f" ] || fail "no FUSE file $f"
LOOP=$(losetup -f --show --direct-io=on "$f") || fail "losetup $f"
mkfs.ext4 -q "$LOOP" || fail "mkfs.ext4 $LOOP"
mkdir -p "$MNT"
mount "$LOOP" "$MNT" || fail "mount $LOOP"
head -c 4M /dev/urandom >"$E2E_TMP/data"
cp "$E2E_TMP/data" "$MNT/data"
sync
umount "$MNT" || fail "umount"
mount "$LOOP" "$MNT" || fail "mount again"
cmp "$E2E_TMP/data" "$MNT/data" || fail "data read back differs"
umount "$MNT" || fail "umount"
e2fsck -fn "$LOOP" >/dev/null || fail "e2fsck after the writes"
losetup -d "$LOOP" && LOOP=""
/usr/bin/ulvm vgchange -an debvg >/dev/null || fail "vgchange -an"
/usr/bin/ulvm vgremove -f debvg >/dev/null || fail "vgremove"
UDM_RUNDIR="$UDM_RUNDIR" /usr/bin/udmsetup daemon stop >/dev/null || fail "udmsetup daemon stop"
dpkg --purge udm >/dev/null || fail "dpkg --purge udm"
[ ! -e /usr/sbin/udmd ] || fail "/usr/sbin/udmd is still there after purge"
echo "deb: ok"
