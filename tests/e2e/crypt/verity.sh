# The real veritysetup under udm-run: format a data file, open it with the
# root hash, read the whole device back; a flipped byte fails its block with
# EIO and `veritysetup status` shows the corruption; a wrong root hash is
# refused at open; `veritysetup verify` judges the files itself.
. "$UDM_E2E_LIB"
. "$(dirname "$0")/crypt_lib.sh"
requires veritysetup
start_daemon

data="$E2E_TMP/data.img" hash="$E2E_TMP/hash.img"
head -c 4M /dev/urandom >"$data"
veritysetup format "$data" "$hash" >"$E2E_TMP/format"
root=$(awk '/^Root hash:/{print $3}' "$E2E_TMP/format")
[ ${#root} == 64 ] || fail "no root hash: $(cat "$E2E_TMP/format")"

udm-run veritysetup open "$data" v1 "$hash" "$root" || fail "veritysetup open"
dev="$UDM_RUNDIR/dev/mapper/v1"
cmp -s "$dev" "$data" || fail "the verity device does not read back as the data file"
st=$(udm-run veritysetup status v1)
grep -q 'status:      verified' <<<"$st" || fail "status: $st"
expect_eq "$(udmsetup status v1)" "0 8192 verity V" "status V"
expect_eq "$(udmsetup info -c --noheadings -o uuid v1 | cut -c1-13)" "CRYPT-VERITY-" "dm uuid prefix"
udmsetup info v1 | grep -q 'State:.*ACTIVE' || fail "not active"
udmsetup table v1 | grep -q "verity 1 [0-9]*:[0-9]* [0-9]*:[0-9]* 4096 4096 1024 1 sha256 $root " ||
  fail "table: $(udmsetup table v1)"
not dd if=/dev/zero of="$dev" bs=4096 count=1 conv=notrunc status=none 2>/dev/null
udm-run veritysetup close v1

# One flipped byte in data block 5 (closed first: loop and FUSE caches would hide it).
python3 - "$data" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4096 * 5 + 7)
    b = f.read(1)[0]
    f.seek(4096 * 5 + 7)
    f.write(bytes([b ^ 0x01]))
PY
udm-run veritysetup open "$data" v2 "$hash" "$root" || fail "open after the flip"
dev="$UDM_RUNDIR/dev/mapper/v2"
dd if="$dev" of=/dev/null bs=4096 skip=4 count=1 status=none || fail "block 4 should read"
not dd if="$dev" of=/dev/null bs=4096 skip=5 count=1 status=none 2>"$E2E_TMP/dd.err"
grep -q 'Input/output error' "$E2E_TMP/dd.err" || fail "block 5: $(cat "$E2E_TMP/dd.err")"
dd if="$dev" of=/dev/null bs=4096 skip=6 count=100 status=none || fail "blocks after 5 should read"
udm-run veritysetup status v2 | grep -q 'status:      corrupted' || fail "veritysetup status: $(udm-run veritysetup status v2)"
expect_eq "$(udmsetup status v2)" "0 8192 verity C" "status C"
rc=0; udm-run veritysetup verify "$data" "$hash" "$root" 2>/dev/null || rc=$?
[ "$rc" != 0 ] || fail "veritysetup verify passed a corrupted file"
udm-run veritysetup close v2

# A wrong root hash is refused at open and leaves nothing behind.
bad=$(printf '%064d' 0)
rc=0; udm-run veritysetup open "$data" v3 "$hash" "$bad" 2>"$E2E_TMP/open.err" || rc=$?
[ "$rc" != 0 ] || fail "open with a wrong root hash succeeded"
expect_eq "$(udmsetup ls)" "No devices found" "no device after the refused open"
echo PASS
