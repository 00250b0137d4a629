# ulvm's front end as lvm's: `CMD --help` prints that command's usage in
# lvm2's shape, `help` lists the commands, `version`/`--version`, and with no
# command (or `ulvm lvm`) lvm's shell: commands from stdin, `exit`/`quit`,
# a "lvm> " prompt only on a terminal.
. "$UDM_E2E_LIB"
v=$(sed -n 's/^project(udm VERSION \([0-9.]*\).*/\1/p' "$UDM_SOURCE/CMakeLists.txt")

out=$(ulvm lvcreate --help) || fail "ulvm lvcreate --help exit $?"
expect_eq "$(head -3 <<<"$out")" "  lvcreate - Create a logical volume

  lvcreate VG" "lvcreate --help head"
grep -qxF $'\t[ -L|--size Size[m|UNIT] ]' <<<"$out" || fail "lvcreate --help: no -L|--size line"
grep -qxF $'\t[ -n|--name String ]' <<<"$out" || fail "lvcreate --help: no -n|--name line"
grep -qxF $'\t[ COMMON_OPTIONS ]' <<<"$out" || fail "lvcreate --help: no COMMON_OPTIONS"
grep -qxF '  Common options for lvm:' <<<"$out" || fail "lvcreate --help: no common options"
grep -qxF $'\t[ -t|--test ]' <<<"$out" || fail "lvcreate --help: no -t|--test"
# -h anywhere, and the command's own link, print the same.
expect_eq "$(ulvm lvcreate -L 1G -h)" "$out" "lvcreate -h"
expect_eq "$("$UDM_BIN/ulvm-links/lvcreate" --help)" "$out" "lvcreate link --help"
expect_eq "$(ulvm help lvcreate)" "$out" "help lvcreate"
grep -qxF $'\t[ VG|LV|Tag ... ]' <<<"$(ulvm lvs --help)" || fail "lvs --help: no positional line"

out=$(ulvm help) || fail "ulvm help"
expect_eq "$(head -3 <<<"$out")" "  Available lvm commands:
  Use 'ulvm help <command>' for more information
   " "help head"
grep -qxF '  lvcreate        Create a logical volume' <<<"$out" || fail "help: no lvcreate line"
grep -qxF '  vgs             Display information about volume groups' <<<"$out" || fail "help: no vgs line"
not ulvm help nosuchcmd 2>/dev/null

ulvm version | grep -qxF "  LVM version:     2.03.16(2) (ulvm $v)" || fail "ulvm version: $(ulvm version)"
expect_eq "$(ulvm --version)" "$(ulvm version)" "ulvm --version"

# The shell, stdin not a terminal: no prompt; "Exiting." on exit.
out=$(printf 'version\n\nhelp lvs\nquit\nversion\n' | ulvm 2>"$E2E_TMP/err") || fail "shell exit code"
expect_eq "$(cat "$E2E_TMP/err")" "  Exiting." "shell stderr"
grep -qF 'lvm>' <<<"$out" && fail "prompt printed while stdin is not a terminal"
expect_eq "$(grep -c 'LVM version' <<<"$out")" 1 "commands after quit ran"
grep -qxF '  lvs - Display information about logical volumes' <<<"$out" || fail "shell: help lvs"
# `ulvm lvm` is the shell too; end of input leaves it; errors as lvm's.
out=$(printf 'nosuchcmd\nlvm version\n' | ulvm lvm 2>&1) || fail "ulvm lvm exit code"
grep -qxF "  No such command 'nosuchcmd'.  Try 'help'." <<<"$out" || fail "shell: unknown command: $out"
grep -qF "(ulvm $v)" <<<"$out" || fail "shell: 'lvm version': $out"
# On a terminal: the "lvm> " prompt.
if command -v script >/dev/null; then
  out=$(printf 'version\nexit\n' | script -qec "$UDM_BIN/ulvm" /dev/null 2>&1 | tr -d '\r') || true
  grep -qF 'lvm> ' <<<"$out" || fail "no 'lvm> ' prompt on a terminal: $out"
fi
echo "ulvm cli: ok"
