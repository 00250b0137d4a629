# Shared by the crypt e2e tests: source after lib.sh.
requires cryptsetup openssl python3 udmd udmsetup udm-run
[ -e /dev/fuse ] || { echo "SKIP: needs /dev/fuse"; exit 77; }
[ -e /dev/loop-control ] || { echo "SKIP: cryptsetup needs loop devices for image files"; exit 77; }
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)

# field N of NAME's table with the key shown (1 = start).
table_field() { udmsetup table --showkeys "$1" | awk -v n="$2" '{print $n}'; }

# check_raw NAME IMG PATTERN: decrypts the pattern's sectors from IMG with
# the key udm holds (and, when given, compares it with KEY) and compares.
check_raw() {
  local name=$1 img=$2 pattern=$3 key=${4:-}
  local line ss=512 large=0 iv off
  line=$(udmsetup table --showkeys "$name")
  [[ "$line" == *" sector_size:"* ]] && ss=$(sed 's/.*sector_size:\([0-9]*\).*/\1/' <<<"$line")
  [[ "$line" == *" iv_large_sectors"* ]] && large=1
  iv=$(awk '{print $6}' <<<"$line")
  off=$(awk '{print $8}' <<<"$line")
  [ -z "$key" ] || expect_eq "$(awk '{print $5}' <<<"$line")" "$key" "key in the table (--showkeys)"
  key=$(awk '{print $5}' <<<"$line")
  local step=$((ss / 512)) first=$iv
  if ((large)); then step=1; first=$((iv / (ss / 512))); fi
  dd if="$img" of="$E2E_TMP/raw" bs=512 skip="$off" count=$(( $(stat -c %s "$pattern") / 512 )) status=none
  python3 "$HERE/xts_decrypt.py" "$key" "$ss" "$first" "$step" "$E2E_TMP/raw" "$E2E_TMP/plain"
  cmp -s "$E2E_TMP/plain" "$pattern" || fail "$name: sectors in $img do not decrypt to the pattern (openssl)"
}

# no_key_leak KEYHEX: not in udmd's log, nor in `udmsetup table` without --showkeys.
no_key_leak() {
  ! grep -q "$1" "$E2E_TMP/udmd.log" || fail "the key is in udmd's log"
  ! udmsetup table | grep -q "$1" || fail "udmsetup table shows the key without --showkeys"
}

# expect_fail RC STDERR_PATTERN CMD...: CMD exits RC with STDERR_PATTERN (grep -E) on stderr.
expect_fail() {
  local want=$1 pattern=$2 rc=0
  shift 2
  "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
  [ "$rc" == "$want" ] || fail "'$*': exit $rc, expected $want; stderr: $(cat "$E2E_TMP/err")"
  grep -Eq -- "$pattern" "$E2E_TMP/err" || fail "'$*': stderr lacks /$pattern/: $(cat "$E2E_TMP/err")"
}
