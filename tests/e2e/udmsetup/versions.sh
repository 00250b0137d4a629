#!/bin/bash
# The version matrix: today's udmsetup against a udmd that claims older
# minors of some commands (it falls back or explains), a udmd with another
# major (refused before sending), and a client that claims newer versions
# (refused by udmd, explained by the client). UDM_CLIENT_TRACE shows what
# was sent: "udm: <command> <version sent> -> <result> (udmd <its version>)".
. "$(dirname "$0")/common.sh"

populate() {
  udmsetup create a -u UUID-a --table "0 8 zero"
  udmsetup create b --table "0 8 zero"
  udmsetup rename b b2   # event_nr 1
}
fields="name,uuid,events,devno"
expected="Name             UUID                             Event  DevNo
a                UUID-a                                0 252:0
b2                                                     1 252:1"

# Today's udmd: one list_devices with uuids (4.45), no DEV_STATUS.
start_daemon --no-fuse --no-nbd
populate
expect_eq "$(UDM_CLIENT_TRACE=1 udmsetup info -c -o $fields 2>"$E2E_TMP/trace")" "$expected" "4.45 list"
grep -q "^udm: list_devices 4.45.0 -> ok" "$E2E_TMP/trace" || fail "no 4.45 list: $(cat "$E2E_TMP/trace")"
! grep -q "dev_status" "$E2E_TMP/trace" || fail "DEV_STATUS sent to a 4.45 driver"

# list_devices 4.37: no event_nr trailer, no uuids -> DEV_STATUS per device.
restart_daemon --no-fuse --no-nbd --claim-version list_devices=4.37.0
populate
expect_eq "$(UDM_CLIENT_TRACE=1 udmsetup info -c -o $fields 2>"$E2E_TMP/trace")" "$expected" "4.37 list"
grep -q "^udm: list_devices 4.0.0 -> ok (udmd 4.37.0)" "$E2E_TMP/trace" || fail "list at 4.37: $(cat "$E2E_TMP/trace")"
expect_eq "$(grep -c '^udm: dev_status' "$E2E_TMP/trace")" "2" "DEV_STATUS per device at 4.37"

# list_devices 4.44: event numbers in the list, uuids by DEV_STATUS.
restart_daemon --no-fuse --no-nbd --claim-version list_devices=4.44.0
populate
expect_eq "$(UDM_CLIENT_TRACE=1 udmsetup info -c -o $fields 2>"$E2E_TMP/trace")" "$expected" "4.44 list"
grep -q "^udm: list_devices 4.0.0 -> ok (udmd 4.44.0)" "$E2E_TMP/trace" || fail "list at 4.44: $(cat "$E2E_TMP/trace")"
expect_eq "$(grep -c '^udm: dev_status' "$E2E_TMP/trace")" "2" "DEV_STATUS for uuids at 4.44"
expect_eq "$(udmsetup ls)" "a	(252:0)
b2	(252:1)" "ls at 4.44"

# table_status 4.15: --inactive (4.16) has no fallback: explained, nothing sent.
restart_daemon --no-fuse --no-nbd --claim-version table_status=4.15.0
populate
udmsetup load a --table "0 16 zero"
expect_fail 1 "udmd's table_status is 4.15.0; --inactive needs 4.16.0
Command failed." udmsetup table --inactive a
expect_eq "$(udmsetup table a)" "0 8 zero " "plain table at 4.15"
expect_eq "$(udmsetup status a)" "0 8 zero " "plain status at 4.15"

# dev_rename 4.18: --setuuid (4.19) is explained; a plain rename works.
restart_daemon --no-fuse --no-nbd --claim-version dev_rename=4.18.0
populate
expect_fail 1 "udmd's dev_rename is 4.18.0; --setuuid needs 4.19.0
Command failed." udmsetup rename b2 --setuuid UUID-b
udmsetup rename b2 b3
expect_eq "$(udmsetup info -c --noheadings -o name,uuid b3)" "b3:" "rename at 4.18"

# dev_suspend 4.11 and dev_remove 4.26: --noflush and --deferred explained.
restart_daemon --no-fuse --no-nbd --claim-version dev_suspend=4.11.0 --claim-version dev_remove=4.26.0
populate
expect_fail 1 "udmd's dev_suspend is 4.11.0; --noflush needs 4.12.0
Command failed." udmsetup suspend --noflush a
udmsetup suspend a
udmsetup resume a
expect_fail 1 "udmd's dev_remove is 4.26.0; --deferred needs 4.27.0
Command failed." udmsetup remove --deferred b2
udmsetup remove b2

# get_target_version 4.40: target-version falls back to list_versions.
restart_daemon --no-fuse --no-nbd --claim-version get_target_version=4.40.0
expect_eq "$(UDM_CLIENT_TRACE=1 udmsetup target-version zero 2>"$E2E_TMP/trace" | awk '{print $1}')" "zero" "target-version fallback"
grep -q "^udm: list_versions" "$E2E_TMP/trace" || fail "no list_versions fallback: $(cat "$E2E_TMP/trace")"
! grep -q "^udm: get_target_version" "$E2E_TMP/trace" || fail "get_target_version sent to 4.40"

# A udmd whose table_status has another major: refused before sending.
restart_daemon --no-fuse --no-nbd --claim-version table_status=5.0.0
populate
expect_fail 1 "udmd's table_status is 5.0.0 and this client speaks 4.0.0: the major versions differ
Command failed." udmsetup table a
expect_eq "$(udmsetup info -c --noheadings -o name a)" "a" "other commands still work"

# A client claiming a newer minor, and another major: udmd refuses, the
# client names both versions.
restart_daemon --no-fuse --no-nbd
populate
# udmd's own versions of the two commands, as the trace shows them.
version_of() {
  UDM_CLIENT_TRACE=1 "${@:2}" 2>&1 >/dev/null | sed -n "s/^udm: $1 .*(udmd \(.*\))\$/\1/p" | sed -n 1p
}
ts=$(version_of table_status udmsetup table a)
ds=$(version_of dev_status udmsetup info a)
[ -n "$ts" ] && [ -n "$ds" ] || fail "cannot learn udmd's versions ($ts, $ds)"
expect_fail 1 "udmd refused table_status 4.99.0: udmd's table_status is $ts, an older minor
Command failed." env UDM_CLIENT_CLAIM=table_status=4.99.0 udmsetup table a
expect_fail 1 "udmd refused dev_status 5.0.0: udmd's dev_status is $ds, a different major
Command failed." env UDM_CLIENT_CLAIM=dev_status=5.0.0 udmsetup info a
echo "versions: ok"
