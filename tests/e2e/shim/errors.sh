# Error paths of the real dmsetup against udmd: the tool's usual messages and exit codes.
. "$UDM_E2E_LIB"
. "$(dirname "$0")/shim_lib.sh"

img="$E2E_TMP/a.img"
sparse_file "$img" 16M

# Unknown device.
expect_fail 1 "^Device does not exist\.$" D info nope
expect_fail 1 "remove ioctl on nope .*failed: No such device or address" D remove nope
expect_fail 1 "suspend ioctl on nope .*failed: No such device or address" D suspend nope
expect_fail 1 "(table|status) ioctl on nope .*failed: No such device or address" D table nope
expect_fail 1 "rename ioctl on nope .*failed: No such device or address" D rename nope other
expect_fail 1 "message ioctl on nope .*failed: No such device or address" D message nope 0 hello
rc=0; U info nope >/dev/null 2>&1 || rc=$?
expect_eq "$rc" "1" "udmsetup info nope exit"

# Bad tables: the create is undone (libdm removes the device again).
expect_fail 1 "reload ioctl on bad .*failed: Invalid argument" D create bad --table "0 100 linear"
expect_fail 1 "reload ioctl on bad .*failed: Invalid argument" D create bad --table "0 100 nosuchtarget"
expect_fail 1 "reload ioctl on bad .*failed" D create bad --table "0 100 linear $E2E_TMP/missing.img 0"
expect_fail 1 "Invalid format on line 1 of table" D create bad --table "0 100"
expect_fail 1 "reload ioctl on bad .*failed: Invalid argument" D create bad --table "$(printf '0 8 zero\n16 8 zero')"
[ -z "$(D ls | grep '^bad')" ] || fail "failed create left a device: $(D ls)"

# Duplicate name.
D create x --table "0 8 zero"
expect_fail 1 "create ioctl on x .*failed: Device or resource busy" D create x --table "0 8 zero"

# Busy device: held open by a device stacked on it.
D create lower --table "0 2048 linear $img 0"
mm=$(D info -c -o devno --noheadings lower)
D create upper --table "0 2048 linear $mm 0"
expect_eq "$(D info -c -o open --noheadings lower | tr -d ' ')" "1" "open count of a stacked-on device"
expect_fail 1 "remove ioctl on lower .*failed: Device or resource busy" D remove lower
D remove upper
D remove lower

# Usage errors are dmsetup's own.
expect_fail 1 "^No device specified\.$" D remove
echo PASS
