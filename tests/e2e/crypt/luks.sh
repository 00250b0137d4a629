# The real cryptsetup (luksFormat on an image file, then open/close/status/
# luksSuspend/luksResume/resize/refresh under udm-run) against udmd: a
# pattern written through the opened device reads back after close and
# reopen, and the raw sectors decrypt to it with the volume key cryptsetup
# dumps, through openssl. LUKS2's keyring key is resolved by the shim.
. "$UDM_E2E_LIB"
. "$(dirname "$0")/crypt_lib.sh"
start_daemon

printf 'correct horse' >"$E2E_TMP/pw"
head -c 1048576 /dev/urandom >"$E2E_TMP/pattern"
run=0
# type key-bits sector-size: a small matrix (luksFormat and open cost ~0.3 s each).
for combo in "luks2 512 4096" "luks1 256 512" "luks2 256 512"; do
  read -r type bits ss <<<"$combo"
  run=$((run + 1))
  name="c$run"
  img="$E2E_TMP/$name.img"
  sparse_file "$img" 24M
  cryptsetup luksFormat -q --type "$type" --cipher aes-xts-plain64 --key-size "$bits" --sector-size "$ss" \
    --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$E2E_TMP/pw" "$img"
  udm-run cryptsetup open --key-file "$E2E_TMP/pw" "$img" "$name" || fail "$combo: cryptsetup open"
  st=$(udm-run cryptsetup status "$name")
  grep -q "type:    ${type^^}" <<<"$st" || fail "$combo: status: $st"
  grep -q "keysize: $bits bits" <<<"$st" || fail "$combo: status: $st"
  grep -q "sector size:  $ss" <<<"$st" || fail "$combo: status: $st"
  expect_eq "$(udmsetup info -c --noheadings -o uuid "$name" | cut -c1-6)" "CRYPT-" "dm uuid prefix"
  dev="$UDM_RUNDIR/dev/mapper/$name"
  # The node cryptsetup made for /dev/mapper/NAME lives under udm-run's
  # device directory (a link to the FUSE file); the host's /dev is untouched.
  [ ! -e "/dev/mapper/$name" ] || fail "$combo: a node in the host's /dev/mapper"
  [ -L "$UDM_RUNDIR/devdir/mapper/$name" ] || fail "$combo: no node under udm-run's device directory"
  udm-run dd if="$E2E_TMP/pattern" of="/dev/mapper/$name" bs=1M conv=fsync status=none
  udm-run cryptsetup close "$name" || fail "$combo: close"
  [ -z "$(udmsetup ls | grep -w "$name" || true)" ] || fail "$combo: $name still there after close"
  [ ! -L "$UDM_RUNDIR/devdir/mapper/$name" ] || fail "$combo: node left after close"
  udm-run cryptsetup open --key-file "$E2E_TMP/pw" "$img" "$name"
  cmp -s <(dd if="$dev" bs=1M count=1 status=none) "$E2E_TMP/pattern" || fail "$combo: pattern after reopen"
  key=$(cryptsetup luksDump --dump-volume-key --batch-mode --key-file "$E2E_TMP/pw" "$img" |
        sed -n '/^MK dump:/,/^[^ \t]/p' | sed 's/^MK dump://' | grep -Eo '[0-9a-f]{2}' | tr -d '\n')
  expect_eq "${#key}" "$((bits / 4))" "$combo: dumped volume key length"
  check_raw "$name" "$img" "$E2E_TMP/pattern" "$key"
  no_key_leak "$key"
  [ "$(udmsetup table "$name" | awk '{print $5}' | tr -d 0)" == "" ] || fail "$combo: key not masked"
done

# luksSuspend wipes the key (suspended, table key zeros); luksResume sets it again.
udm-run cryptsetup luksSuspend c1
udmsetup info c1 | grep -q 'State:.*SUSPENDED' || fail "luksSuspend: not suspended"
[ "$(table_field c1 5 | tr -d 0)" == "" ] || fail "luksSuspend: key not wiped"
udm-run cryptsetup luksResume --key-file "$E2E_TMP/pw" c1
udmsetup info c1 | grep -q 'State:.*ACTIVE' || fail "luksResume: not active"
cmp -s <(dd if="$UDM_RUNDIR/dev/mapper/c1" bs=1M count=1 status=none) "$E2E_TMP/pattern" || fail "pattern after luksResume"
# resize and refresh reload the table (refresh with the keyring key again).
udm-run cryptsetup resize --key-file "$E2E_TMP/pw" --size 8192 c1
expect_eq "$(udmsetup table c1 | awk '{print $2}')" 8192 "size after resize"
udm-run cryptsetup refresh --key-file "$E2E_TMP/pw" --allow-discards c1
udmsetup table c1 | grep -q ' allow_discards' || fail "refresh --allow-discards: $(udmsetup table c1)"
cmp -s <(dd if="$UDM_RUNDIR/dev/mapper/c1" bs=1M count=1 status=none) "$E2E_TMP/pattern" || fail "pattern after refresh"

# Without the shim's keyring stand-in a keyring table is refused with a clear reason.
sparse_file "$E2E_TMP/k.img" 24M
cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$E2E_TMP/pw" "$E2E_TMP/k.img"
# --disable-keyring: cryptsetup sends the hex key itself.
udm-run cryptsetup open --disable-keyring --key-file "$E2E_TMP/pw" "$E2E_TMP/k.img" kd
udm-run cryptsetup status kd | grep -q 'key location: dm-crypt' || fail "status kd: $(udm-run cryptsetup status kd)"
udm-run cryptsetup close kd
mm=$(losetup -f --show "$E2E_TMP/k.img")
cleanup_fn losetup -d "$mm"
expect_fail 1 "udm has no kernel keyring to read the logon key 'cryptsetup:x-d0'.*--disable-keyring" \
  udmsetup -v create kr --table "0 8 crypt aes-xts-plain64 :64:logon:cryptsetup:x-d0 0 $mm 32768"
grep -q "reload ioctl on kr .* failed: Invalid argument" "$E2E_TMP/err" || fail "dmsetup's error: $(cat "$E2E_TMP/err")"

for n in c1 c2 c3; do udm-run cryptsetup close "$n"; done
expect_eq "$(udmsetup ls)" "No devices found" "every device closed"
echo PASS
