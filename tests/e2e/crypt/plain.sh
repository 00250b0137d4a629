# cryptsetup open --type plain under udm-run: aes-xts-plain64 checked by
# decrypting the raw file with openssl; aes-cbc-essiv:sha256 checked sector
# by sector with `openssl enc -aes-256-cbc` and the ESSIV IV computed by
# openssl (sha256 of the key, AES-ECB of the sector number).
. "$UDM_E2E_LIB"
. "$(dirname "$0")/crypt_lib.sh"
start_daemon

head -c 262144 /dev/urandom >"$E2E_TMP/pattern"
head -c 64 /dev/urandom >"$E2E_TMP/key64"
head -c 32 /dev/urandom >"$E2E_TMP/key32"
hexkey() { od -An -v -tx1 "$1" | tr -d ' \n'; }

sparse_file "$E2E_TMP/x.img" 8M
udm-run cryptsetup open --type plain --cipher aes-xts-plain64 --key-size 512 --key-file "$E2E_TMP/key64" \
  --offset 2048 --skip 16 "$E2E_TMP/x.img" px
expect_eq "$(table_field px 6) $(table_field px 8)" "16 2048" "iv_offset and offset"
expect_eq "$(udmsetup info -c --noheadings -o uuid px | cut -c1-12)" "CRYPT-PLAIN-" "dm uuid"
dd if="$E2E_TMP/pattern" of="$UDM_RUNDIR/dev/mapper/px" bs=64K conv=fsync status=none
check_raw px "$E2E_TMP/x.img" "$E2E_TMP/pattern" "$(hexkey "$E2E_TMP/key64")"
no_key_leak "$(hexkey "$E2E_TMP/key64")"
udm-run cryptsetup status px | grep -q 'cipher:  aes-xts-plain64' || fail "status px"
udm-run cryptsetup close px

sparse_file "$E2E_TMP/c.img" 8M
udm-run cryptsetup open --type plain --cipher aes-cbc-essiv:sha256 --key-size 256 --key-file "$E2E_TMP/key32" \
  "$E2E_TMP/c.img" pc
dd if="$E2E_TMP/pattern" of="$UDM_RUNDIR/dev/mapper/pc" bs=64K conv=fsync status=none
key=$(hexkey "$E2E_TMP/key32")
salt=$(openssl dgst -sha256 -binary <"$E2E_TMP/key32" | od -An -v -tx1 | tr -d ' \n')
for s in 0 1 2 7 100 511; do
  python3 -c "import sys; sys.stdout.buffer.write(($s).to_bytes(8, 'little') + bytes(8))" >"$E2E_TMP/n"
  iv=$(openssl enc -aes-256-ecb -nopad -K "$salt" <"$E2E_TMP/n" | od -An -v -tx1 | tr -d ' \n')
  dd if="$E2E_TMP/c.img" bs=512 skip="$s" count=1 status=none |
    openssl enc -d -aes-256-cbc -nopad -K "$key" -iv "$iv" >"$E2E_TMP/sec"
  cmp -s "$E2E_TMP/sec" <(dd if="$E2E_TMP/pattern" bs=512 skip="$s" count=1 status=none) ||
    fail "essiv sector $s does not decrypt with openssl"
done
udm-run cryptsetup close pc

# crypt stacks on another udm device (an LV is one): crypt over linear over the file.
sparse_file "$E2E_TMP/s.img" 8M
udmsetup create lower --table "0 16384 linear $E2E_TMP/s.img 0"
lower=$(udmsetup info -c --noheadings -o major,minor --separator : lower)
udmsetup create upper --table "0 8192 crypt aes-xts-plain64 $(hexkey "$E2E_TMP/key64") 0 $lower 4096"
dd if="$E2E_TMP/pattern" of="$UDM_RUNDIR/dev/mapper/upper" bs=64K conv=fsync status=none
dd if="$E2E_TMP/s.img" of="$E2E_TMP/raw" bs=512 skip=4096 count=512 status=none
python3 "$HERE/xts_decrypt.py" "$(hexkey "$E2E_TMP/key64")" 512 0 1 "$E2E_TMP/raw" "$E2E_TMP/plain"
cmp -s "$E2E_TMP/plain" "$E2E_TMP/pattern" || fail "crypt over linear: sectors do not decrypt"
udmsetup remove upper
udmsetup remove lower
expect_eq "$(udmsetup ls)" "No devices found" "closed"
echo PASS
