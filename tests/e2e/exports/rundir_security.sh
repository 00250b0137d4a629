#!/bin/bash
# udmd trusts only a run directory of its own: a symbolic link at udmd.pid,
# dev or udmd.log, a directory owned by another user or writable by others
# (no sticky bit) is refused with a clear message and nothing is written
# through the link; modes are the same under umask 000 and 022.
. "$(dirname "$0")/common.sh"
requires udmd udmsetup stat mountpoint

# refused DIR WORDS [ARGS...]: udmd on DIR fails at start with a message containing WORDS.
refused() {
  local dir=$1 words=$2
  shift 2
  not timeout 10 udmd --rundir "$dir" --foreground "$@" 2>"$E2E_TMP/err"
  grep -q -- "$words" "$E2E_TMP/err" || fail "udmd on $dir: expected '$words', got: $(cat "$E2E_TMP/err")"
}

# A symbolic link at udmd.pid: refused, the file it points to untouched.
echo precious >"$E2E_TMP/victim"
R=$E2E_TMP/r1
mkdir -m 700 "$R"
ln -s "$E2E_TMP/victim" "$R/udmd.pid"
refused "$R" "udmd.pid is a symbolic link"
expect_eq "$(cat "$E2E_TMP/victim")" precious "file behind the udmd.pid link"

# A symbolic link at dev: refused, nothing mounted on its target.
mkdir "$E2E_TMP/victim_dir"
R=$E2E_TMP/r2
mkdir -m 700 "$R"
ln -s "$E2E_TMP/victim_dir" "$R/dev"
refused "$R" "dev is a symbolic link"
not mountpoint -q "$E2E_TMP/victim_dir"
[ ! -e "$R/control" ] || fail "udmd left a control socket in a refused run directory"

# A symbolic link at udmd.log (daemonized udmd writes it): refused.
R=$E2E_TMP/r3
mkdir -m 700 "$R"
ln -s "$E2E_TMP/victim" "$R/udmd.log"
not timeout 10 udmd --rundir "$R" 2>"$E2E_TMP/err"
grep -q "udmd.log is a symbolic link" "$E2E_TMP/err" || fail "udmd.log link: $(cat "$E2E_TMP/err")"
expect_eq "$(cat "$E2E_TMP/victim")" precious "file behind the udmd.log link"

# Symbolic links at control and nbd.sock are replaced, not followed.
R=$E2E_TMP/r7
mkdir -m 700 "$R"
ln -s "$E2E_TMP/victim" "$R/control"
ln -s "$E2E_TMP/victim" "$R/nbd.sock"
UDM_RUNDIR=$R
start_daemon
[ -S "$R/control" ] && [ -S "$R/nbd.sock" ] || fail "sockets not created in place of the links"
expect_eq "$(cat "$E2E_TMP/victim")" precious "file behind the control and nbd.sock links"
stop_daemon

# The run directory itself a symbolic link, owned by another user, or
# group/world-writable without the sticky bit: refused.
mkdir -m 700 "$E2E_TMP/real"
ln -s "$E2E_TMP/real" "$E2E_TMP/r4"
refused "$E2E_TMP/r4" "is a symbolic link"
R=$E2E_TMP/r5
mkdir -m 700 "$R"
chown nobody "$R"
refused "$R" "is owned by uid $(id -u nobody)"
R=$E2E_TMP/r6
mkdir "$R"
chmod 777 "$R"
refused "$R" "writable by group or others"

# Modes under umask 000 and 022: the same, and owner-only.
modes() {
  local r=$1
  stat -c '%a %U' "$r" "$r/control" "$r/nbd.sock" "$r/udmd.pid" | tr '\n' ' '
  [ -e /dev/fuse ] && stat -c '%a %U' "$r/dev" | tr '\n' ' '
  stat -c '%F' "$r/control" "$r/nbd.sock" | tr '\n' ' '
}
for mask in 000 022; do
  UDM_RUNDIR=$E2E_TMP/m$mask
  export UDM_RUNDIR
  umask $mask
  start_daemon
  umask 022
  udmsetup create z --table "0 8 zero"
  eval "modes_$mask=\"\$(modes \$UDM_RUNDIR)\""
  if [ -e /dev/fuse ]; then
    expect_eq "$(stat -c '%a %U' "$UDM_RUNDIR/dev/mapper/z")" "600 $(id -un)" "FUSE file mode under umask $mask"
  fi
  stop_daemon
done
echo "modes (umask 000): $modes_000"
expect_eq "$modes_000" "$modes_022" "modes under umask 000 and 022"
u=$(id -un)
expected="700 $u 600 $u 600 $u 644 $u "
[ -e /dev/fuse ] && expected+="700 $u "
expected+="socket socket "
expect_eq "$modes_022" "$expected" "modes of the run directory, control, nbd.sock, udmd.pid, dev"

# An existing run directory of this user with a loose mode is tightened.
R=$E2E_TMP/m755
mkdir -m 755 "$R"
UDM_RUNDIR=$R
start_daemon
expect_eq "$(stat -c %a "$R")" 700 "existing run directory's mode"
stop_daemon

# --group NAME: 0750 and 0660 for that group.
R=$E2E_TMP/mgroup
UDM_RUNDIR=$R
start_daemon --group nogroup
expect_eq "$(stat -c '%a %G' "$R" "$R/nbd.sock" | tr '\n' ' ')" "750 nogroup 660 nogroup " "--group modes"
stop_daemon
