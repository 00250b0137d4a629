# The installed tree: `cmake --install` into a temporary prefix, then the
# installed programs run from there and find each other by the install layout
# (udmsetup and udm-run start the installed udmd; libudm finds it from
# libudm.so), a dmsetup-style session, a VG and an LV, a C program built with
# pkg-config against the installed headers and library, every header alone,
# man pages, completion, lvm links, --version everywhere.
. "$UDM_E2E_LIB"
requires cmake pkg-config cc c++ man
[ -e /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }
BUILD=$(cd "$UDM_BIN/.." && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
DEST="$E2E_TMP/inst"
P="$DEST/usr"
# Only the installed programs: take the build's bin/ off PATH.
PATH=$(tr ':' '\n' <<<"$PATH" | grep -vxF "$UDM_BIN" | paste -sd:)
export PATH

cmake --install "$BUILD" --prefix "$P" >"$E2E_TMP/install.log" || { cat "$E2E_TMP/install.log"; fail "cmake --install"; }
cmake --install "$BUILD" --prefix "$P" --component lvm-links >>"$E2E_TMP/install.log" || fail "install lvm-links"

# ---- the layout
libdir=$(dirname "$(find "$P" -name 'libudm.so.*.*.*' | head -1)")
[ -n "$libdir" ] && [ "$libdir" != . ] || fail "no libudm.so.X.Y.Z installed"
for f in sbin/udmd bin/udmsetup bin/ulvm bin/udm-run; do [ -x "$P/$f" ] || fail "$f not installed"; done
[ -L "$libdir/libudm.so" ] && [ -L "$libdir/libudm.so.0" ] || fail "libudm.so links missing"
soname=$(readelf -d "$libdir/libudm.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
expect_eq "$soname" "libudm.so.0" "libudm soname"
[ -f "$libdir/udm/libudm-preload.so" ] || fail "libudm-preload.so not in $libdir/udm"
[ -f "$libdir/pkgconfig/libudm.pc" ] || fail "libudm.pc not installed"
for m in man8/udmd.8 man8/udmsetup.8 man8/ulvm.8 man1/udm-run.1 man3/libudm.3; do
  [ -f "$P/share/man/$m" ] || fail "man page $m not installed"
done
for c in udmsetup ulvm; do [ -f "$P/share/bash-completion/completions/$c" ] || fail "no completion for $c"; done
unit=$(find "$P" -name udmd.service) || true
[ -n "$unit" ] || fail "udmd.service not installed"
grep -q '^Type=forking' "$unit" && grep -q '^PIDFile=/run/udm/udmd.pid' "$unit" || fail "udmd.service: $(cat "$unit")"
grep -rl 'include "\(base\|core\|abi\|client\|daemon\|lvm\)/' "$P/include" && fail "an installed header includes a src/ file"

# ---- --version everywhere
v=$(sed -n 's/^project(udm VERSION \([0-9.]*\).*/\1/p' "$UDM_SOURCE/CMakeLists.txt")
[ -n "$v" ] || fail "no project version in CMakeLists.txt"
expect_eq "$("$P/sbin/udmd" --version)" "udmd $v" "udmd --version"
expect_eq "$("$P/bin/udm-run" --version)" "udm-run $v" "udm-run --version"
"$P/bin/ulvm" --version | grep -qF "(ulvm $v)" || fail "ulvm --version: $("$P/bin/ulvm" --version)"
expect_eq "$(UDM_NO_AUTOSTART=1 "$P/bin/udmsetup" --version 2>/dev/null | head -1)" "Library version:   $v (2026-11-25)" \
  "udmsetup --version"

# Daemons on the extra run directories go at exit, even on failure.
stop_rundir() {
  local i pid; pid=$(cat "$1/udmd.pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i=0; i<100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
  fusermount3 -u -z "$1/dev" 2>/dev/null || umount -l "$1/dev" 2>/dev/null || true
}
RUN1="$E2E_TMP/run1"; RUN2="$E2E_TMP/run2"
cleanup_fn stop_rundir "$RUN1"
cleanup_fn stop_rundir "$RUN2"

# ---- udm-run starts the installed udmd and preloads the installed shim
preload=$("$P/bin/udm-run" --rundir "$RUN1" printenv LD_PRELOAD) || fail "udm-run printenv"
expect_eq "$preload" "$(realpath "$libdir/udm/libudm-preload.so")" "udm-run's preload"
pid=$(cat "$RUN1/udmd.pid")
expect_eq "$(readlink "/proc/$pid/exe")" "$(realpath "$P/sbin/udmd")" "udmd started by udm-run"
if command -v dmsetup >/dev/null; then
  "$P/bin/udm-run" --rundir "$RUN1" dmsetup create viarun --table '0 8 zero' || fail "udm-run dmsetup create"
  "$P/bin/udm-run" --rundir "$RUN1" dmsetup remove viarun || fail "udm-run dmsetup remove"
fi
UDM_RUNDIR="$RUN1" "$P/bin/udmsetup" daemon stop >/dev/null || fail "stop udm-run's udmd"

# ---- udmsetup autostarts the installed udmd: a dmsetup session
"$P/bin/udmsetup" create x --table '0 8 zero' || fail "udmsetup create"
pid=$(cat "$UDM_RUNDIR/udmd.pid")
expect_eq "$(readlink "/proc/$pid/exe")" "$(realpath "$P/sbin/udmd")" "udmd started by udmsetup"
expect_eq "$("$P/bin/udmsetup" table x)" "0 8 zero " "udmsetup table"
"$P/bin/udmsetup" create y --table '0 16 zero' || fail "udmsetup create y"

# ---- a C program against the installed headers and library, through pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig"
expect_eq "$(pkg-config --modversion libudm)" "$v" "pkg-config --modversion"
flags=$(pkg-config --cflags --libs libudm)
cc -Wall -Wextra -Werror -o "$E2E_TMP/list_devices" "$HERE/list_devices.c" $flags -Wl,-rpath,"$libdir" ||
  fail "cc with pkg-config flags: $flags"
ldd "$E2E_TMP/list_devices" | grep -qF "$(realpath "$libdir")/libudm.so.0" || ldd "$E2E_TMP/list_devices" | grep -qF "$libdir/libudm.so.0" ||
  fail "list_devices does not use the installed libudm: $(ldd "$E2E_TMP/list_devices")"
expect_eq "$("$E2E_TMP/list_devices")" "libudm $v
x 252:0
y 252:1" "list_devices"
# Each public header compiles alone against the installed tree only.
for h in "$P"/include/udm/*; do
  case $h in
    *.h) printf '#include <udm/%s>\nint main(void){return 0;}\n' "${h##*/}" >"$E2E_TMP/h.c"
         cc -Wall -Wextra -Werror $(pkg-config --cflags libudm) -c -o /dev/null "$E2E_TMP/h.c" || fail "${h##*/} alone (C)"
         cp "$E2E_TMP/h.c" "$E2E_TMP/h.cpp"; c++ -Wall -Wextra -Werror $(pkg-config --cflags libudm) -c -o /dev/null "$E2E_TMP/h.cpp" ||
           fail "${h##*/} alone (C++)" ;;
    *.hpp) printf '#include <udm/%s>\nint main(){return 0;}\n' "${h##*/}" >"$E2E_TMP/h.cpp"
         c++ -std=c++23 -Wall -Wextra -Werror $(pkg-config --cflags libudm) -c -o /dev/null "$E2E_TMP/h.cpp" || fail "${h##*/} alone" ;;
  esac
done
"$P/bin/udmsetup" remove x || fail "udmsetup remove x"
"$P/bin/udmsetup" remove y || fail "udmsetup remove y"
expect_eq "$("$E2E_TMP/list_devices")" "libudm $v" "list_devices after remove"
# libudm.so finds udmd by the install layout from its own location.
"$P/bin/udmsetup" daemon stop >/dev/null || fail "udmsetup daemon stop"
UDM_RUNDIR="$RUN2" "$E2E_TMP/list_devices" >/dev/null || fail "libudm autostart from $libdir"
expect_eq "$(readlink "/proc/$(cat "$RUN2/udmd.pid")/exe")" "$(realpath "$P/sbin/udmd")" "udmd started by libudm.so"
UDM_RUNDIR="$RUN2" "$P/bin/udmsetup" daemon stop >/dev/null || fail "stop libudm's udmd"

# ---- ulvm: a VG and an LV on a sparse file, active through the installed udmd
# (lvcreate activates only when a driver answers, as lvm without dm-mod.)
"$P/bin/udmsetup" daemon start >/dev/null || fail "udmsetup daemon start"
expect_eq "$(readlink "/proc/$(cat "$UDM_RUNDIR/udmd.pid")/exe")" "$(realpath "$P/sbin/udmd")" "udmd started by daemon start"
PV="$E2E_TMP/pv0.img"
sparse_file "$PV" 64M
export UDM_LVM_CONFIG="$E2E_TMP/lvm.conf"
echo "devices = $PV" >"$UDM_LVM_CONFIG"
"$P/bin/ulvm" pvcreate "$PV" >/dev/null || fail "ulvm pvcreate"
"$P/bin/ulvm" vgcreate pkgvg "$PV" >/dev/null || fail "ulvm vgcreate"
"$P/bin/ulvm" lvcreate -L 8M -n lv0 pkgvg >/dev/null || fail "ulvm lvcreate"
expect_eq "$("$P/bin/ulvm" lvs --noheadings -o lv_name,lv_attr pkgvg)" "  lv0  -wi-a-----" "ulvm lvs"
f="$UDM_RUNDIR/dev/pkgvg/lv0"
for ((i=0; i<100; i++)); do [ -e "$f" ] && break; sleep 0.05; done
expect_eq "$(stat -c %s "$f")" $((8 << 20)) "size of $f"
# The lvm-named links run ulvm as that command.
"$P/libexec/udm/lvm-bin/vgs" --noheadings -o vg_name | grep -qx '  pkgvg' || fail "lvm-bin/vgs"
expect_eq "$(readlink "$P/libexec/udm/lvm-bin/lvs")" "../../../bin/ulvm" "lvm-bin/lvs link"
"$P/bin/ulvm" vgchange -an pkgvg >/dev/null || fail "ulvm vgchange -an"
"$P/bin/ulvm" vgremove -f pkgvg >/dev/null || fail "ulvm vgremove"

# ---- man pages render without warnings
for m in $(find "$P/share/man" -type f); do
  out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
  [ -z "$out" ] || fail "man -l $m: $out"
  LC_ALL=C.UTF-8 man -l "$m" 2>/dev/null | grep -q . || fail "man -l $m rendered nothing"
done

# ---- bash completion
comp() {  # comp FILE WORDS...: the completions of the last word
  local file=$1; shift
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"
    f=$(complete -p "$1" | sed "s/.*-F \([^ ]*\).*/\1/"); "$f"; echo "${COMPREPLY[*]}"' _ "$file" "$@"
}
comps="$P/share/bash-completion/completions"
expect_eq "$(PATH="$P/bin:$PATH" comp "$comps/udmsetup" udmsetup cre)" "create" "udmsetup completion"
expect_eq "$(PATH="$P/bin:$PATH" comp "$comps/ulvm" ulvm lvcr)" "lvcreate" "ulvm completion"
PATH="$P/bin:$PATH" comp "$comps/ulvm" ulvm lvcreate --si | grep -qw -- --size || fail "ulvm lvcreate option completion"
echo "installed tree: ok"
