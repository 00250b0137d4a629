#!/bin/bash
# dmsetup's udev cookie commands and mangle: udm has no udev, so udmsetup
# answers as the real dmsetup does without udev synchronisation (it runs
# through udm-run against the same udmd here, with no /run/udev/control).
# Outputs, errors and exit codes must be identical.
. "$(dirname "$0")/common.sh"
requires dmsetup udm-run
start_daemon --no-fuse --no-nbd


for args in "udevcookies" "udevcreatecookie" "udevreleasecookie" "udevreleasecookie 0x0d4d1234" \
    "udevreleasecookie 0" "udevreleasecookie nonsense" "udevflags 0x0d4d1234" "udevflags 0xffff0001" \
    "udevflags 12345" "udevflags x" "udevflags 0x100000000" "udevcomplete 0x0d4d1234" "udevcomplete 0" \
    "udevcomplete 0x00ff0000" "udevcomplete_all" "udevcomplete_all 5" "udevcomplete_all x"; do
  # shellcheck disable=SC2086
  same $args
done
# Usage texts differ (udmsetup lists its own commands): the error line and code.
expect_fail 1 "$(printf 'Incorrect number of arguments.\n%s' "$(udmsetup help 2>&1)")" udmsetup udevcookies extra
# The prompt answered no on stdin, by both.
udm-run --rundir "$UDM_RUNDIR" dmsetup udevcomplete_all <<<"n" >"$E2E_TMP/d.out" 2>&1
udmsetup udevcomplete_all <<<"n" >"$E2E_TMP/u.out" 2>&1
cmp -s "$E2E_TMP/d.out" "$E2E_TMP/u.out" || fail "udevcomplete_all answered n differs: $(diff "$E2E_TMP/d.out" "$E2E_TMP/u.out")"
DM_UDEV_COOKIE=0x0d4d0001 same udevreleasecookie

# mangle: names in the right form stay; a raw name (made with --manglename
# none) is renamed to libdevmapper's \xNN form, by either tool.
udmsetup create good -u UUID-good --table "0 8 zero"
same mangle
same mangle good
same mangle nope
n=0
for tool in "udm-run --rundir $UDM_RUNDIR dmsetup" udmsetup; do
  n=$((n + 1))
  udmsetup --manglename none create 'raw name' --table "0 8 zero"
  $tool mangle 'raw name' >"$E2E_TMP/mangle.$n" 2>&1 || fail "$tool mangle"
  udmsetup ls | grep -qF 'raw name' || fail "$tool mangle did not rename"
  udmsetup --manglename none remove 'raw\x20name'
done
cmp -s "$E2E_TMP/mangle.1" "$E2E_TMP/mangle.2" || fail "mangle rename output differs"
expect_eq "$(cat "$E2E_TMP/mangle.2")" 'raw name: renaming to raw\x20name'
echo "dmsetup_udev: $compared commands identical"
